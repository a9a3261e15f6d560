import type { Env } from './env.js';
import type { ValidationIssue } from './config-error.js';

/**
 * `${VAR}` and `${VAR:-default}` interpolation over every string of the parsed YAML document.
 * `$${…}` escapes a literal `${…}`. A `${VAR}` whose variable is unset (and has no default) is an issue,
 * reported with the path of the string that names it.
 */
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: unknown, env: Env, path = '', issues: ValidationIssue[] = []): unknown {
  if (typeof value === 'string') {
    const result = interpolateString(value, env, path, issues);
    // A value that is one whole reference takes the type its text has (`BatchSize: ${SIZE:-10}` is a number).
    return result !== value && WHOLE_REFERENCE.test(value) ? parseScalar(result) : result;
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, `${path}[${index}]`, issues));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // Defined, not assigned: a `__proto__` key stays a key (and gets reported) instead of replacing the prototype.
      Object.defineProperty(result, key, {
        value: interpolate(item, env, path === '' ? key : `${path}.${key}`, issues),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return value;
}

function parseScalar(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

function interpolateString(text: string, env: Env, path: string, issues: ValidationIssue[]): string {
  return text.replace(REFERENCE, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape) return whole.slice(1);
    const value = env[name];
    if (value !== undefined && (value !== '' || fallback === undefined)) return value;
    if (fallback !== undefined) return fallback;
    issues.push({ path: path || '(root)', message: `environment variable ${name} is not set and has no default` });
    return '';
  });
}
