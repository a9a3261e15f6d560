import type { ValidationIssue } from '../config/config-error.js';

/**
 * Faults injected into a function's invocations so that retry, bisect, partial-response and destination settings
 * can be tried without changing the function's code (`PUT /_esm/functions/{name}/faults`, or `faults:` under the
 * function in the configuration file). Pure: the shape, its validation, and the draw that picks one fault.
 */
export interface FunctionFaults {
  /** Share of invocations that fail with a function error (`X-Amz-Function-Error: Unhandled`), 0..1. */
  readonly errorRate: number;
  /** Share of invocations throttled (Lambda's 429 TooManyRequestsException); the function does not run. 0..1. */
  readonly throttleRate: number;
  /** Share of invocations that time out after the function's timeout (`Sandbox.Timedout`). 0..1. */
  readonly timeoutRate: number;
  /** Delay added before every invocation, milliseconds; it does not count toward the function timeout. */
  readonly latencyMs: number;
  /** Faults apply to this many more invocations (fleet-wide), then clear themselves. */
  readonly count?: number;
  /** Faults clear themselves at this time (ISO 8601). */
  readonly until?: string;
}

/** Which fault an invocation gets: it fails, is throttled, times out, or runs normally (maybe delayed). */
export type InjectedFault = 'error' | 'throttle' | 'timeout' | 'latency';

export const FAULT_FIELDS: ReadonlySet<string> = new Set(['errorRate', 'throttleRate', 'timeoutRate', 'latencyMs', 'count', 'until']);
/** Longest injected delay, ms: Lambda's longest function timeout (900 s). */
export const MAX_FAULT_LATENCY_MS = 900_000;
/** Most invocations a `count` may cover. */
export const MAX_FAULT_COUNT = 1_000_000_000;

/** `errorType` of an injected function error, so that the journal and the function's callers can tell it apart. */
export const INJECTED_ERROR_TYPE = 'InjectedFault';

/**
 * Validates a faults object (an API body or the file's `faults:`); `nowMs` is when it is set, against which `until`
 * must lie in the future. Adds one issue per problem, each naming the field, and returns undefined when any.
 */
export function validateFaults(raw: unknown, path: string, issues: ValidationIssue[], nowMs: number): FunctionFaults | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: `must be a map of ${[...FAULT_FIELDS].join(', ')}` });
    return undefined;
  }
  const fields = raw as Record<string, unknown>;
  const before = issues.length;
  for (const key of Object.keys(fields)) {
    if (!FAULT_FIELDS.has(key)) issues.push({ path: `${path}.${key}`, message: `is not a supported field (allowed: ${[...FAULT_FIELDS].join(', ')})` });
  }
  const errorRate = rate(fields.errorRate, `${path}.errorRate`, issues);
  const throttleRate = rate(fields.throttleRate, `${path}.throttleRate`, issues);
  const timeoutRate = rate(fields.timeoutRate, `${path}.timeoutRate`, issues);
  const latencyMs = integer(fields.latencyMs, `${path}.latencyMs`, 0, MAX_FAULT_LATENCY_MS, issues) ?? 0;
  const count = integer(fields.count, `${path}.count`, 1, MAX_FAULT_COUNT, issues);
  const until = instant(fields.until, `${path}.until`, nowMs, issues);
  if (issues.length > before) return undefined;
  if (errorRate + throttleRate + timeoutRate > 1) {
    issues.push({ path, message: `errorRate + throttleRate + timeoutRate is ${errorRate + throttleRate + timeoutRate}; their sum must be at most 1` });
  }
  if (count !== undefined && until !== undefined) issues.push({ path, message: 'count and until are exclusive: give one of them, or neither to keep the faults until they are cleared' });
  if (errorRate + throttleRate + timeoutRate === 0 && latencyMs === 0) {
    issues.push({ path, message: 'injects nothing: set errorRate, throttleRate, timeoutRate or latencyMs' });
  }
  if (issues.length > before) return undefined;
  return {
    errorRate,
    throttleRate,
    timeoutRate,
    latencyMs,
    ...(count !== undefined ? { count } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

/**
 * The fault one invocation gets, from a uniform draw in [0, 1): throttles first, then errors, then timeouts, each
 * taking its rate's share; the rest run normally (`latency` when a delay is set, undefined otherwise).
 */
export function drawFault(faults: FunctionFaults, draw: number): InjectedFault | undefined {
  let bound = faults.throttleRate;
  if (draw < bound) return 'throttle';
  bound += faults.errorRate;
  if (draw < bound) return 'error';
  bound += faults.timeoutRate;
  if (draw < bound) return 'timeout';
  return faults.latencyMs > 0 ? 'latency' : undefined;
}

/** Whether faults set with `until` have run out at `nowMs`. */
export function faultsExpired(faults: FunctionFaults, nowMs: number): boolean {
  return faults.until !== undefined && Date.parse(faults.until) <= nowMs;
}

function rate(value: unknown, path: string, issues: ValidationIssue[]): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    issues.push({ path, message: `${JSON.stringify(value)} must be a number from 0 to 1` });
    return 0;
  }
  return value;
}

function integer(value: unknown, path: string, min: number, max: number, issues: ValidationIssue[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({ path, message: `${JSON.stringify(value)} must be an integer from ${min} to ${max}` });
    return undefined;
  }
  return value;
}

/** An ISO 8601 date-time with a zone, after `nowMs`; returned normalised to UTC. */
function instant(value: unknown, path: string, nowMs: number, issues: ValidationIssue[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    issues.push({ path, message: `${JSON.stringify(value)} must be an ISO 8601 date-time with a zone, e.g. 2030-01-01T12:00:00Z` });
    return undefined;
  }
  if (ms <= nowMs) {
    issues.push({ path, message: `${value} is not in the future` });
    return undefined;
  }
  return new Date(ms).toISOString();
}
