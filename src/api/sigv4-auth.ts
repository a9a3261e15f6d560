import type { IncomingMessage } from 'node:http';
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag, SourceData } from '@smithy/types';
import { ApiError } from '../errors/api-error.js';
import type { ApiCredential } from '../config/service-config.js';
import type { RequestAuthenticator } from './http-server.js';

// AWS's texts for refused signatures (Lambda answers 403 with these bodies and `x-amzn-ErrorType`).
const MISSING_TOKEN = 'Missing Authentication Token';
const UNRECOGNIZED_CLIENT = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** How far a request's `X-Amz-Date` may be from our clock (AWS: 5 minutes either way). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** `X-Amz-Credential` of a presigned URL: key id, date, region and service of the scope. */
const CREDENTIAL = /^([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
/** Longest validity of a presigned URL (`X-Amz-Expires`), seconds: 7 days, as AWS allows. */
const MAX_PRESIGNED_EXPIRY_SECONDS = 604_800;
/** The query parameters of a presigned URL that carry the signature itself (the signer adds them again). */
const PRESIGN_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the smithy signer expects. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    throw new Error('not used by the signer');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * Verifies AWS Signature Version 4 (an `Authorization` header, or a presigned URL's `X-Amz-*` query parameters)
 * against the configured access keys: the request is
 * signed again with the key it names, by the SDK's own signer (@smithy/signature-v4), over exactly the headers it
 * lists, and the signatures are compared in constant time. Region and service are taken from the credential scope,
 * so clients may sign for any region.
 */
export class SigV4Authenticator implements RequestAuthenticator {
  private readonly secrets: ReadonlyMap<string, string>;

  constructor(
    credentials: readonly ApiCredential[],
    private readonly now: () => number = Date.now,
  ) {
    this.secrets = new Map(credentials.map((credential) => [credential.accessKeyId, credential.secretAccessKey]));
  }

  async authenticate(request: IncomingMessage, url: URL, body: Buffer): Promise<void> {
    const header = request.headers.authorization;
    if (!header && url.searchParams.has('X-Amz-Signature')) return this.authenticatePresigned(request, url, body);
    if (!header) throw new ApiError('MissingAuthenticationTokenException', MISSING_TOKEN);
    const parsed = AUTHORIZATION.exec(header);
    if (!parsed) throw new ApiError('InvalidSignatureException', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).`);
    const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = parsed as unknown as [string, string, string, string, string, string, string];
    const secretAccessKey = this.secrets.get(accessKeyId);
    if (secretAccessKey === undefined) throw new ApiError('UnrecognizedClientException', UNRECOGNIZED_CLIENT);

    const amzDate = singleHeader(request, 'x-amz-date');
    const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
    if (!amzDate || !signingDate || !amzDate.startsWith(shortDate)) throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    this.checkClock(amzDate, signingDate);

    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host')) throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    const headers = this.signedHeaderValues(request, signedHeaders);
    // A signed `x-amz-content-sha256` stands for the body in the signature: it must be the body's hash.
    const declaredHash = headers['x-amz-content-sha256'];
    if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex')) {
      throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    }
    const toSign: HttpRequest = {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: rawPath(request.url ?? '/'),
      query: queryOf(url),
      headers,
      body,
    };
    const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: NodeSha256, applyChecksum: false });
    const signed = await signer.sign(toSign, { signingDate, signableHeaders: new Set(signedHeaders) });
    this.compare(/Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '', signature);
  }

  /** A presigned URL: the signature covers the query (but itself) and the headers it lists, until it expires. */
  private async authenticatePresigned(request: IncomingMessage, url: URL, body: Buffer): Promise<void> {
    const param = (name: string) => url.searchParams.get(name) ?? '';
    const credential = CREDENTIAL.exec(param('X-Amz-Credential'));
    if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !credential) {
      throw new ApiError('InvalidSignatureException', `AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Expires'.`);
    }
    const [, accessKeyId, shortDate, region, service] = credential as unknown as [string, string, string, string, string];
    const secretAccessKey = this.secrets.get(accessKeyId);
    if (secretAccessKey === undefined) throw new ApiError('UnrecognizedClientException', UNRECOGNIZED_CLIENT);
    const amzDate = param('X-Amz-Date');
    const signingDate = parseAmzDate(amzDate);
    const expiresIn = Number(param('X-Amz-Expires'));
    if (!signingDate || !amzDate.startsWith(shortDate) || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_EXPIRY_SECONDS) {
      throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    }
    const now = this.now();
    if (now > signingDate.getTime() + expiresIn * 1000) {
      throw new ApiError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - expiresIn * 1000)} (${formatAmzDate(now)} - ${expiresIn} sec.)`);
    }
    if (signingDate.getTime() - now > MAX_CLOCK_SKEW_MS) this.checkClock(amzDate, signingDate);

    const signedHeaders = param('X-Amz-SignedHeaders').split(';');
    if (!signedHeaders.includes('host')) throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    const headers = this.signedHeaderValues(request, signedHeaders);
    const query = queryOf(url);
    for (const name of PRESIGN_PARAMETERS) delete query[name];
    const toSign: HttpRequest = { method: request.method ?? 'GET', protocol: 'http:', hostname: headers.host ?? '', path: rawPath(request.url ?? '/'), query, headers, body };
    const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: NodeSha256, applyChecksum: false });
    const presigned = await signer.presign(toSign, { signingDate, expiresIn, signableHeaders: new Set(signedHeaders) });
    this.compare(String(presigned.query?.['X-Amz-Signature'] ?? ''), param('X-Amz-Signature'));
  }

  /** The values of the headers a signature lists; a listed header that is missing fails the signature. */
  private signedHeaderValues(request: IncomingMessage, signedHeaders: readonly string[]): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    return headers;
  }

  /** Compares the signature we computed with the one given, in constant time. */
  private compare(expected: string, given: string): void {
    if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
      throw new ApiError('InvalidSignatureException', SIGNATURE_MISMATCH);
    }
  }

  private checkClock(amzDate: string, signingDate: Date): void {
    const now = this.now();
    const skew = signingDate.getTime() - now;
    if (skew < -MAX_CLOCK_SKEW_MS) {
      const earliest = formatAmzDate(now - MAX_CLOCK_SKEW_MS);
      throw new ApiError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${earliest} (${formatAmzDate(now)} - 5 min.)`);
    }
    if (skew > MAX_CLOCK_SKEW_MS) {
      const latest = formatAmzDate(now + MAX_CLOCK_SKEW_MS);
      throw new ApiError('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${latest} (${formatAmzDate(now)} + 5 min.)`);
    }
  }
}

function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The path exactly as the client sent it (still percent-encoded), as it was signed. */
function rawPath(target: string): string {
  const end = target.indexOf('?');
  return end === -1 ? target : target.slice(0, end);
}

function queryOf(url: URL): QueryParameterBag {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function parseAmzDate(text: string): Date | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function formatAmzDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
