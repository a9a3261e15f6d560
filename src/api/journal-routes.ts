import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { ApiError } from '../errors/api-error.js';
import type { JournalEntry } from '../journal/journal-entry.js';

export const INVOCATIONS_PATH = '/_esm/invocations';

/** Entries answered when `limit` is absent, and the most one request may ask for. */
export const DEFAULT_INVOCATIONS_LIMIT = 100;
export const MAX_INVOCATIONS_LIMIT = 10_000;

/** What the API reads of the journal (handed down by the composition root). */
export interface JournalReader {
  list(query: { readonly uuid?: string; readonly after?: number; readonly limit: number }): JournalEntry[];
}

/**
 * `GET /_esm/invocations?UUID=&limit=&after=`: the last invocations of one mapping (or of all), oldest first, as
 * `{ Invocations: [...] }`; `after=<seq>` answers only what came after an entry already seen (for a follower).
 */
export function registerJournalRoutes(server: HttpServer, journal: JournalReader): void {
  server.route('GET', INVOCATIONS_PATH, (request, response) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const uuid = query.get('UUID') ?? undefined;
    const limit = integerParameter(query.get('limit'), 'limit', 1, MAX_INVOCATIONS_LIMIT) ?? DEFAULT_INVOCATIONS_LIMIT;
    const after = integerParameter(query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER);
    sendJson(response, 200, { Invocations: journal.list({ ...(uuid ? { uuid } : {}), ...(after !== undefined ? { after } : {}), limit }) });
  });
}

function integerParameter(value: string | null, name: string, min: number, max: number): number | undefined {
  if (value === null || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ApiError('InvalidParameterValueException', `${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
