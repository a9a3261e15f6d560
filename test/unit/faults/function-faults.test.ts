import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../../src/config/config-error.js';
import { drawFault, faultsExpired, validateFaults } from '../../../src/faults/function-faults.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function check(raw: unknown): { faults: ReturnType<typeof validateFaults>; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  return { faults: validateFaults(raw, 'faults', issues, NOW), issues };
}

describe('validateFaults', () => {
  it('fills absent rates and latency with 0 and keeps count or until', () => {
    expect(check({ errorRate: 0.5, count: 3 }).faults).toEqual({ errorRate: 0.5, throttleRate: 0, timeoutRate: 0, latencyMs: 0, count: 3 });
    expect(check({ latencyMs: 200, until: '2030-01-01T02:00:00+01:00' }).faults).toEqual({
      errorRate: 0,
      throttleRate: 0,
      timeoutRate: 0,
      latencyMs: 200,
      until: '2030-01-01T01:00:00.000Z',
    });
  });

  it.each([
    [{ errorRate: 1.5 }, 'faults.errorRate: 1.5 must be a number from 0 to 1'],
    [{ throttleRate: '0.5' }, 'faults.throttleRate: "0.5" must be a number from 0 to 1'],
    [{ timeoutRate: -0.1 }, 'faults.timeoutRate: -0.1 must be a number from 0 to 1'],
    [{ latencyMs: 1.5 }, 'faults.latencyMs: 1.5 must be an integer from 0 to 900000'],
    [{ errorRate: 1, count: 0 }, 'faults.count: 0 must be an integer from 1 to 1000000000'],
    [{ errorRate: 0.6, throttleRate: 0.6 }, 'faults: errorRate + throttleRate + timeoutRate is 1.2; their sum must be at most 1'],
    [{ errorRate: 1, count: 2, until: '2030-02-01T00:00:00Z' }, 'faults: count and until are exclusive: give one of them, or neither to keep the faults until they are cleared'],
    [{}, 'faults: injects nothing: set errorRate, throttleRate, timeoutRate or latencyMs'],
    [{ errorRate: 1, until: '2029-12-31T00:00:00Z' }, 'faults.until: 2029-12-31T00:00:00Z is not in the future'],
    [{ errorRate: 1, until: 'tomorrow' }, 'faults.until: "tomorrow" must be an ISO 8601 date-time with a zone, e.g. 2030-01-01T12:00:00Z'],
    [{ errorRate: 1, rate: 1 }, 'faults.rate: is not a supported field (allowed: errorRate, throttleRate, timeoutRate, latencyMs, count, until)'],
    [[], 'faults: must be a map of errorRate, throttleRate, timeoutRate, latencyMs, count, until'],
  ])('refuses %j', (raw, message) => {
    const { faults, issues } = check(raw);
    expect(faults).toBeUndefined();
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toContain(message);
  });
});

describe('drawFault', () => {
  const faults = { errorRate: 0.25, throttleRate: 0.125, timeoutRate: 0.25, latencyMs: 0 };

  it('gives throttles, then errors, then timeouts their share of the draw', () => {
    expect(drawFault(faults, 0)).toBe('throttle');
    expect(drawFault(faults, 0.124)).toBe('throttle');
    expect(drawFault(faults, 0.125)).toBe('error');
    expect(drawFault(faults, 0.374)).toBe('error');
    expect(drawFault(faults, 0.375)).toBe('timeout');
    expect(drawFault(faults, 0.624)).toBe('timeout');
    expect(drawFault(faults, 0.625)).toBeUndefined();
    expect(drawFault({ ...faults, latencyMs: 10 }, 0.9)).toBe('latency');
  });

  it('always fails at rate 1', () => {
    expect(drawFault({ errorRate: 1, throttleRate: 0, timeoutRate: 0, latencyMs: 0 }, 0.999999)).toBe('error');
  });
});

describe('faultsExpired', () => {
  it('expires faults at their until, never those without', () => {
    const base = { errorRate: 1, throttleRate: 0, timeoutRate: 0, latencyMs: 0 };
    expect(faultsExpired({ ...base, until: '2030-01-01T00:00:00.000Z' }, NOW)).toBe(true);
    expect(faultsExpired({ ...base, until: '2030-01-01T00:00:01.000Z' }, NOW)).toBe(false);
    expect(faultsExpired(base, NOW)).toBe(false);
  });
});
