import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { ApiError } from '../errors/api-error.js';
import type { IdleAnswer, IdleQuery } from '../idle/idle-waiter.js';

export const WAIT_IDLE_PATH = '/_esm/wait-idle';
/** How long a wait lasts when `timeoutMs` is not given, and the longest one may ask for. */
export const DEFAULT_WAIT_IDLE_TIMEOUT_MS = 30_000;
export const MAX_WAIT_IDLE_TIMEOUT_MS = 900_000;

/** What the route needs (handed down by the composition root). */
export interface IdleWaiting {
  waitIdle(query: IdleQuery, signal: AbortSignal): Promise<IdleAnswer>;
  /** Whether a mapping with this UUID exists in the fleet. */
  hasMapping(uuid: string): boolean;
}

/**
 * `POST /_esm/wait-idle[?UUID=|?FunctionName=][&timeoutMs=]`: answers 200 once every enabled mapping covered has
 * nothing left to do, 408 with what is still pending (per mapping and shard) when the timeout passes.
 */
export function registerWaitIdleRoute(server: HttpServer, waiting: IdleWaiting): void {
  server.route('POST', WAIT_IDLE_PATH, async (request, response) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const uuid = query.get('UUID') || undefined;
    const functionName = query.get('FunctionName') || undefined;
    const timeoutText = query.get('timeoutMs');
    const timeoutMs = timeoutText === null || timeoutText === '' ? DEFAULT_WAIT_IDLE_TIMEOUT_MS : Number(timeoutText);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_WAIT_IDLE_TIMEOUT_MS) {
      throw new ApiError('InvalidParameterValueException', `timeoutMs must be an integer from 0 to ${MAX_WAIT_IDLE_TIMEOUT_MS}, got '${timeoutText}'`);
    }
    if (uuid !== undefined && !waiting.hasMapping(uuid)) throw new ApiError('ResourceNotFoundException', `The resource you requested does not exist. (UUID ${uuid})`);
    request.resume();
    // A client that goes away stops the wait.
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    const answer = await waiting.waitIdle({ ...(uuid ? { uuid } : {}), ...(functionName ? { functionName } : {}), timeoutMs }, gone.signal);
    if (gone.signal.aborted && !answer.idle) return;
    sendJson(response, answer.idle ? 200 : 408, answer.idle ? answer : { ...answer, message: `Not idle after ${timeoutMs} ms: ${describePending(answer)}` });
  });
}

/** `mapping <uuid> shard <id>: <reason>; …` — the pending work in one line. */
export function describePending(answer: IdleAnswer): string {
  const parts = answer.mappings.flatMap((mapping) =>
    mapping.pending.map((work) => `mapping ${mapping.UUID} (${mapping.FunctionName})${work.shardId ? ` shard ${work.shardId}` : ''}: ${work.reason}`),
  );
  if (answer.pendingDeliveries > 0) parts.push(`${answer.pendingDeliveries} destination deliveries not done`);
  return parts.join('; ');
}
