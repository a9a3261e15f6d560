import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { SigV4Authenticator } from '../../../src/api/sigv4-auth.js';

const KEY = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const SIGNED_AT = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/** A request signed by the SDK's signer, as node:http would hand it to the server (lower-case headers, raw target). */
async function signedRequest(path: string, body: string): Promise<{ request: IncomingMessage; url: URL; body: Buffer }> {
  const signer = new SignatureV4({ credentials: KEY, region: 'eu-west-1', service: 'lambda', sha256: Sha256 });
  const [pathname, search = ''] = path.split('?');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 9050, path: pathname!, query, headers: { host: '127.0.0.1:9050', 'content-type': 'application/json' }, body },
    { signingDate: SIGNED_AT },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const request = { method: 'POST', url: path, headers } as unknown as IncomingMessage;
  return { request, url: new URL(path, 'http://127.0.0.1:9050'), body: Buffer.from(body) };
}

describe('SigV4Authenticator', () => {
  it('accepts what the SDK signer signed, with an encoded ARN in the path and a query', async () => {
    const { request, url, body } = await signedRequest('/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ax?tagKeys=a&tagKeys=b', '{}');
    await expect(new SigV4Authenticator([KEY], () => SIGNED_AT.getTime() + 60_000).authenticate(request, url, body)).resolves.toBeUndefined();
  });

  it('refuses a signature older than five minutes with AWS message', async () => {
    const { request, url, body } = await signedRequest('/2015-03-31/functions', '');
    const late = new SigV4Authenticator([KEY], () => SIGNED_AT.getTime() + 6 * 60_000);
    await expect(late.authenticate(request, url, body)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20261127T120000Z is now earlier than 20261127T120100Z (20261127T120600Z - 5 min.)',
    });
  });

  it('refuses a changed query, a changed body and a header that lists no signature', async () => {
    const auth = new SigV4Authenticator([KEY], () => SIGNED_AT.getTime());
    const { request, body } = await signedRequest('/2015-03-31/event-source-mappings?MaxItems=5', '{"a":1}');
    await expect(auth.authenticate(request, new URL('http://h/2015-03-31/event-source-mappings?MaxItems=6'), body)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    await expect(auth.authenticate(request, new URL('http://h/2015-03-31/event-source-mappings?MaxItems=5'), Buffer.from('{"a":2}'))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    const broken = { ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIDTEST' } } as unknown as IncomingMessage;
    await expect(auth.authenticate(broken, new URL('http://h/'), body)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('accepts a presigned URL until it expires, and refuses a tampered one', async () => {
    const signer = new SignatureV4({ credentials: KEY, region: 'eu-west-1', service: 'lambda', sha256: Sha256 });
    const presigned = await signer.presign(
      { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9050, path: '/2015-03-31/event-source-mappings', query: { MaxItems: '5' }, headers: { host: '127.0.0.1:9050' } },
      { signingDate: SIGNED_AT, expiresIn: 600 },
    );
    const search = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const target = `${presigned.path}?${search}`;
    const request = (url: string) => ({ method: 'GET', url, headers: { host: '127.0.0.1:9050' } }) as unknown as IncomingMessage;
    const check = (url: string, atMs: number) => new SigV4Authenticator([KEY], () => atMs).authenticate(request(url), new URL(url, 'http://127.0.0.1:9050'), Buffer.alloc(0));

    await expect(check(target, SIGNED_AT.getTime() + 599_000)).resolves.toBeUndefined();
    await expect(check(target, SIGNED_AT.getTime() + 601_000)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20261127T120000Z is now earlier than 20261127T120001Z (20261127T121001Z - 600 sec.)',
    });
    await expect(check(target.replace('MaxItems=5', 'MaxItems=6'), SIGNED_AT.getTime())).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    await expect(check(target.replace('AKIDTEST', 'AKIDOTHER'), SIGNED_AT.getTime())).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });
});
