import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/config/interpolate.js';
import type { ValidationIssue } from '../../../src/config/config-error.js';

describe('interpolate', () => {
  it('replaces ${VAR} with the variable', () => {
    expect(interpolate({ url: 'redis://${HOST}:6379' }, { HOST: 'cache' })).toEqual({ url: 'redis://cache:6379' });
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(interpolate({ a: '${A:-x}', b: '${B:-y}' }, { B: '' })).toEqual({ a: 'x', b: 'y' });
  });

  it('prefers the variable over the default', () => {
    expect(interpolate('${A:-x}', { A: 'set' })).toBe('set');
  });

  it('gives a whole-reference value the type of its text', () => {
    expect(interpolate({ BatchSize: '${SIZE:-10}', Enabled: '${ON}', name: 'q-${N}' }, { ON: 'false', N: '7' })).toEqual({
      BatchSize: 10,
      Enabled: false,
      name: 'q-7',
    });
  });

  it('reaches strings inside lists and nested maps, keeping other values', () => {
    expect(interpolate({ list: [{ arn: 'arn:${P}' }, 3, true, null] }, { P: 'x' })).toEqual({ list: [{ arn: 'arn:x' }, 3, true, null] });
  });

  it('keeps $${VAR} as a literal ${VAR}', () => {
    expect(interpolate('cost $${NOT}', {})).toBe('cost ${NOT}');
  });

  it('reports an unset variable without default with the path of the field', () => {
    const issues: ValidationIssue[] = [];
    interpolate({ eventSourceMappings: [{ EventSourceArn: '${QUEUE_ARN}' }] }, {}, '', issues);
    expect(issues).toEqual([
      { path: 'eventSourceMappings[0].EventSourceArn', message: 'environment variable QUEUE_ARN is not set and has no default' },
    ]);
  });

  it('accepts a set but empty variable without default as empty', () => {
    const issues: ValidationIssue[] = [];
    expect(interpolate('a${E}b', { E: '' }, '', issues)).toBe('ab');
    expect(issues).toEqual([]);
  });
});
