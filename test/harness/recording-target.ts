import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** How the target answers one event. */
export interface TargetResponse {
  /** @defaultValue 200 */
  readonly status?: number;
  /** Sent as JSON unless a string. @defaultValue null */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering (the request counts as in flight meanwhile). */
  readonly delayMs?: number;
}

/** Decides the answer to the `index`-th event (0-based, in arrival order). */
export type Responder = (event: unknown, index: number) => TargetResponse | undefined | Promise<TargetResponse | undefined>;

/** One request as received. */
export interface RecordedRequest {
  /** The parsed JSON body; the raw text when it is not JSON. */
  readonly event: unknown;
  readonly index: number;
  /** `Date.now()` at arrival. */
  readonly receivedAt: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** A `url:` function target that records what it is sent. */
export interface RecordingTarget {
  /** `http://127.0.0.1:<port>/` — use as a function's `url:`. */
  readonly url: string;
  readonly port: number;
  /** Bodies in arrival order (same order as {@link requests}). */
  readonly events: unknown[];
  readonly requests: RecordedRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** Highest number of requests in flight at once so far. */
  readonly peakConcurrency: number;
  /** Stops listening and drops open connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on a free loopback port that stands in for a function: it records every POSTed event
 * and answers with `respond(event, index)` (default 200 with body `null`). A responder that throws answers
 * 500 with the error message.
 */
export async function startRecordingTarget(respond: Responder = () => undefined): Promise<RecordingTarget> {
  const events: unknown[] = [];
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peakConcurrency = 0;

  const server = createServer((request, response) => {
    inFlight++;
    peakConcurrency = Math.max(peakConcurrency, inFlight);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      inFlight--;
    };
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const event = parseJson(text);
      const index = requests.length;
      events.push(event);
      requests.push({ event, index, receivedAt, method: request.method ?? '', path: request.url ?? '/', headers: request.headers });
      void answer(event, index)
        .then((reply) => {
          const body = reply.body === undefined ? 'null' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          response.end(body);
        })
        .catch((err: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(err instanceof Error ? err.message : String(err));
        })
        .finally(finish);
    });
    request.on('error', finish);
    response.on('close', finish);
  });

  async function answer(event: unknown, index: number): Promise<TargetResponse> {
    const reply = (await respond(event, index)) ?? {};
    if (reply.delayMs) await delay(reply.delayMs);
    return reply;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    events,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakConcurrency() {
      return peakConcurrency;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
