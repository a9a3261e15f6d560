import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import type { Logger } from '../observability/logger.js';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../batch/invoke-payload-limit.js';

/** A route handler answers one request; throwing an ApiError yields Lambda's error response. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, params: Readonly<Record<string, string>>) => Promise<void> | void;

/** Checks who sent a request before any route sees it; throws an ApiError (403) to refuse it. */
export interface RequestAuthenticator {
  authenticate(request: IncomingMessage, url: URL, body: Buffer): Promise<void>;
}

export interface RouteOptions {
  /** Served without authentication (health, readiness, metrics). @defaultValue false */
  readonly open?: boolean;
}

/** Largest body read before authentication: the largest any route accepts (Invoke's 6 MB payload). */
const MAX_AUTHENTICATED_BODY_BYTES = MAX_INVOKE_PAYLOAD_BYTES;

/** Bodies already read (for authentication), handed to the route's own `readBody`. */
const readBodies = new WeakMap<IncomingMessage, Buffer>();

interface Route {
  readonly open: boolean;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

/**
 * The service's HTTP server: a small router over node:http. Paths use `{name}` placeholders that match one
 * URL segment (percent-decoded).
 */
export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly server: Server;
  private closing = false;
  /** Responses not yet finished, so that closing can tell them to end their connection. */
  private readonly openResponses = new Set<ServerResponse>();

  constructor(
    private readonly logger: Logger,
    private readonly options: { readonly authenticator?: RequestAuthenticator } = {},
  ) {
    this.server = createServer((request, response) => void this.dispatch(request, response));
    this.server.keepAliveTimeout = 65_000;
    // After listen, a server error (e.g. accept failing on EMFILE) is logged; without a listener it would kill the process.
    this.server.on('error', (err) => logger.error({ err }, 'api_server_error'));
  }

  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): this {
    const names: string[] = [];
    const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler, open: options.open ?? false });
    return this;
  }

  /** Listens and resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Stops accepting connections and lets open requests finish (their responses close the connection), for at
   * most `drainTimeoutMs`; then drops whatever is still open.
   */
  private closePromise: Promise<void> | undefined;
  close(drainTimeoutMs = 0): Promise<void> {
    this.closePromise ??= new Promise<void>((resolve) => {
      this.closing = true;
      // Keep-alive clients must not hold the server open: requests still running answer with `Connection: close`.
      for (const response of this.openResponses) if (!response.headersSent) response.shouldKeepAlive = false;
      const deadline = setTimeout(() => this.server.closeAllConnections(), drainTimeoutMs);
      this.server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      this.server.closeIdleConnections();
    });
    return this.closePromise;
  }

  private match(method: string, pathname: string): { route: Route; match: RegExpExecArray } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(pathname);
      if (match) return { route, match };
    }
    return undefined;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.openResponses.add(response);
    response.on('close', () => this.openResponses.delete(response));
    if (this.closing) response.shouldKeepAlive = false;
    // A request target the URL parser refuses (e.g. `http://[`) is the client's error; it must not escape as a rejection.
    const url = parseUrl(request.url ?? '/');
    if (!url) {
      sendError(response, new ApiError('InvalidParameterValueException', `Malformed request URI: ${request.url}`));
      return;
    }
    try {
      const found = this.match(request.method ?? 'GET', url.pathname);
      const authenticator = this.options.authenticator;
      if (authenticator && !found?.route.open) {
        const body = await readBody(request, MAX_AUTHENTICATED_BODY_BYTES, () => tooLarge(MAX_AUTHENTICATED_BODY_BYTES));
        readBodies.set(request, body);
        await authenticator.authenticate(request, url, body);
      }
      if (!found) {
        sendError(response, new ApiError('ResourceNotFoundException', `No route for ${request.method} ${url.pathname}`));
        return;
      }
      const params = decodeParams(found.route.names, found.match);
      if (!params) {
        sendError(response, new ApiError('InvalidParameterValueException', `Malformed percent-encoding in ${url.pathname}`));
        return;
      }
      await found.route.handler(request, response, params);
    } catch (err) {
      if (err instanceof ApiError) {
        sendError(response, err);
        return;
      }
      if (request.destroyed && !request.complete) {
        // The client went away while sending its body: nothing failed on our side, and no one reads an answer.
        this.logger.debug({ method: request.method, path: url.pathname }, 'api_request_aborted');
        response.destroy();
        return;
      }
      this.logger.error({ err, method: request.method, path: url.pathname }, 'api_request_failed');
      sendError(response, new ApiError('ServiceException', 'An internal error occurred.'));
    }
  }
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError('RequestEntityTooLargeException', `Request must be smaller than ${limitBytes} bytes`);
}

function parseUrl(target: string): URL | undefined {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

/** The percent-decoded path parameters, or undefined when one is not valid percent-encoded UTF-8. */
function decodeParams(names: readonly string[], match: RegExpExecArray): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  try {
    names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1]!)));
  } catch {
    return undefined;
  }
  return params;
}

/** Sends an AWS-style JSON error: status from the error table, `x-amzn-ErrorType` for the SDK. */
export function sendError(response: ServerResponse, error: ApiError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, error.status, error.body(), { 'x-amzn-ErrorType': error.name });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
}

/** Reads the request body up to `limitBytes`; past it, throws the given error (the rest is discarded). */
export async function readBody(request: IncomingMessage, limitBytes: number, tooLarge: () => ApiError): Promise<Buffer> {
  const alreadyRead = readBodies.get(request);
  if (alreadyRead) {
    if (alreadyRead.length > limitBytes) throw tooLarge();
    return alreadyRead;
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
