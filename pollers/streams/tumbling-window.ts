/**
 * Tumbling windows (TumblingWindowInSeconds, spec §2.4): the arithmetic of window bounds, the event a windowed
 * invocation carries and the response it must return. Pure: no I/O, no clock.
 *
 * Windows are aligned on the epoch in steps of TumblingWindowInSeconds and a record belongs to the window of its
 * approximate arrival (Kinesis) or creation (DynamoDB) time. The state the function returns is handed to the next
 * invocation of the same window, `{}` at its start; the window ends with a final invoke that carries the state and
 * no records.
 */
import type { WindowCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import type { StreamRecord } from './stream-event-builder.js';

/** Largest state a window keeps, bytes of its JSON: above it the window ends early (AWS: "1 MB per shard"). */
export const MAX_WINDOW_STATE_BYTES = 1_048_576;

/** Room a windowed event keeps beside its records for the state and the window's fields, bytes. */
export const WINDOW_EVENT_RESERVE_BYTES = MAX_WINDOW_STATE_BYTES + 1024;

/** The state of a window that starts, or starts again after ending early. */
export const EMPTY_WINDOW_STATE = '{}';

/**
 * A caught-up read made this long after a window's end closes it, ms: a record written just before the end may
 * take a moment to become readable (DynamoDB Streams) or carry the time of a clock slightly behind ours.
 */
export const WINDOW_CLOSE_DELAY_MS = 1_000;

/** Start and end (exclusive) of a window, epoch ms. */
export interface WindowBounds {
  readonly startMs: number;
  readonly endMs: number;
}

/** The window a record that arrived at `arrivalEpochMs` belongs to. */
export function windowAt(arrivalEpochMs: number, windowSeconds: number): WindowBounds {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError(`window of ${windowSeconds} s`);
  const lengthMs = windowSeconds * 1000;
  const startMs = Math.floor(arrivalEpochMs / lengthMs) * lengthMs;
  return { startMs, endMs: startMs + lengthMs };
}

/** A window that starts with the empty state. */
export function freshWindow(bounds: WindowBounds): WindowCheckpoint {
  return { startMs: bounds.startMs, endMs: bounds.endMs, state: EMPTY_WINDOW_STATE, terminatedEarly: false };
}

/** Whether two windows have the same bounds. */
export function sameWindow(a: WindowBounds, b: WindowBounds): boolean {
  return a.startMs === b.startMs && a.endMs === b.endMs;
}

/** A window bound as the event shows it: ISO 8601 in UTC, to the second (`2020-12-09T07:04:00Z`). */
export function windowTimeString(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a windowed event says beside its records. */
export interface WindowEventFields {
  readonly window: WindowCheckpoint;
  readonly shardId: string;
  readonly eventSourceArn: string;
  readonly final: boolean;
}

/**
 * The event of a windowed invocation as JSON text, fields in AWS's order: `Records`, `window {start, end}`, `state`,
 * `shardId`, `eventSourceARN`, `isFinalInvokeForWindow`, `isWindowTerminatedEarly`.
 */
export function windowEventPayload(records: readonly StreamRecord[], fields: WindowEventFields): string {
  const { window } = fields;
  const bounds = JSON.stringify({ start: windowTimeString(window.startMs), end: windowTimeString(window.endMs) });
  return (
    `{"Records":[${records.map((record) => record.json).join(',')}]` +
    `,"window":${bounds}` +
    `,"state":${window.state}` +
    `,"shardId":${JSON.stringify(fields.shardId)}` +
    `,"eventSourceARN":${JSON.stringify(fields.eventSourceArn)}` +
    `,"isFinalInvokeForWindow":${fields.final}` +
    `,"isWindowTerminatedEarly":${window.terminatedEarly}}`
  );
}

/** What a windowed invocation's response says. */
export type WindowResponse =
  /** The state to hand on (JSON text of an object). */
  | { readonly kind: 'state'; readonly state: string }
  /** Not a TimeWindowEventResponse: the invocation counts as failed. */
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Reads a windowed invocation's response: a JSON object with a `state` object (`batchItemFailures` is read
 * separately). A response without `state` is a failed invocation (AWS: "If the response does not contain a
 * state property, Lambda considers this a failed invocation").
 */
export function parseWindowResponse(payload: string): WindowResponse {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return { kind: 'invalid', reason: 'the function response is not valid JSON' };
  }
  if (!isObject(response)) return { kind: 'invalid', reason: 'the function response is not an object with a state' };
  const state = response['state'];
  if (state === undefined) return { kind: 'invalid', reason: 'the function response has no state' };
  if (!isObject(state)) return { kind: 'invalid', reason: 'the state of the function response is not an object' };
  return { kind: 'state', state: JSON.stringify(state) };
}

/** Whether a state is too large to keep: the window then ends early. */
export function stateOutgrown(state: string): boolean {
  return Buffer.byteLength(state) > MAX_WINDOW_STATE_BYTES;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
