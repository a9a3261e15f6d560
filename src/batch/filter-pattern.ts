import type { SourceKind } from '../mappings/event-source-mapping.js';
import { JsonNumberText, numberText, parseJsonKeepingNumberText } from './filter-json.js';

/**
 * One filter pattern of a `FilterCriteria`, parsed and validated into an immutable tree (spec §4).
 *
 * The syntax is EventBridge's event-pattern syntax restricted to the operators Lambda lists (spec §4.2):
 * a pattern is a non-empty object; each key maps to a nested pattern object or to a non-empty array of
 * matchers; `$or` maps to an array of at least two pattern objects. Anything else is rejected with AWS's
 * `InvalidParameterValueException: Invalid filter pattern definition.`
 */

/** The key under which a source's payload is filtered: SQS `body`, Kinesis `data`, DynamoDB `dynamodb`. */
export type DataKey = 'body' | 'data' | 'dynamodb';

/** Which pattern key addresses the payload of a record of `source`. */
export function dataKeyOf(source: SourceKind): DataKey {
  switch (source) {
    case 'sqs':
      return 'body';
    case 'kinesis':
      return 'data';
    case 'dynamodb':
      return 'dynamodb';
  }
}

/** AWS's message for every rejected filter pattern (spec §1.3). */
export const INVALID_FILTER_PATTERN_MESSAGE = 'Invalid filter pattern definition.';

/** Longest `Filter.Pattern` the Lambda API accepts (BOTO `Pattern` max length). */
export const MAX_FILTER_PATTERN_LENGTH = 4096;

/**
 * Filters per mapping: AWS's default quota (spec §4.1; raisable to 10 on request, which a self-hosted
 * service has no channel for). AWS's own message for exceeding it is not documented, so exceeding it
 * reports the generic filter-pattern error.
 */
export const MAX_FILTERS_PER_MAPPING = 5;

/** A filter pattern (or whole `FilterCriteria`) is not acceptable. `reason` says why, for logs and config errors. */
export class InvalidFilterPatternError extends Error {
  override readonly name = 'InvalidParameterValueException';

  constructor(readonly reason: string) {
    super(INVALID_FILTER_PATTERN_MESSAGE);
  }
}

/** One element of a leaf array: a test applied to one scalar value of the event. */
export type ValueMatcher =
  | { readonly kind: 'string'; readonly value: string }
  /** Exact number: compared by string form, as Lambda documents (`300` ≠ `300.0`). */
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly canonical: boolean }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'equals-ignore-case'; readonly lowerCase: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'anything-but-strings'; readonly values: ReadonlySet<string> }
  | { readonly kind: 'anything-but-numbers'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'numeric'; readonly lower: number; readonly lowerInclusive: boolean; readonly upper: number; readonly upperInclusive: boolean }
  | { readonly kind: 'exists'; readonly value: boolean };

/** The matchers of one key, OR'ed. */
export interface LeafRule {
  readonly matchers: readonly ValueMatcher[];
  /** True when an `{"exists": false}` is among the matchers: the rule then holds for an absent field. */
  readonly matchesAbsent: boolean;
}

export type FieldRule =
  | { readonly key: string; readonly inherited: boolean; readonly kind: 'node'; readonly node: PatternNode }
  | { readonly key: string; readonly inherited: boolean; readonly kind: 'leaf'; readonly leaf: LeafRule };

/** An object level of a pattern: every field rule must hold (AND), and in every `$or` group one alternative. */
export interface PatternNode {
  readonly fields: readonly FieldRule[];
  readonly anyOf: readonly (readonly PatternNode[])[];
}

/** A validated pattern of one filter. */
export interface FilterPattern {
  readonly root: PatternNode;
  /** An exact-number matcher sits under the data key: the payload must be parsed keeping number text. */
  readonly dataNeedsNumberText: boolean;
}

const OR_KEY = '$or';

/**
 * Parses and validates one `Filter.Pattern` for a mapping of `source`.
 * @throws InvalidFilterPatternError when the pattern is not acceptable to Lambda.
 */
export function parseFilterPattern(pattern: string, source: SourceKind): FilterPattern {
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new InvalidFilterPatternError(`pattern is longer than ${MAX_FILTER_PATTERN_LENGTH} characters`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonKeepingNumberText(pattern);
  } catch {
    throw new InvalidFilterPatternError('pattern is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw new InvalidFilterPatternError('pattern is not a JSON object');
  const dataKey = dataKeyOf(source);
  const root = compileNode(parsed, '');
  checkDataKey(root, dataKey, source);
  return { root, dataNeedsNumberText: dataNeedsNumberText(root, dataKey) };
}

function compileNode(object: Record<string, unknown>, path: string): PatternNode {
  const fields: FieldRule[] = [];
  const anyOf: PatternNode[][] = [];
  const keys = Object.keys(object);
  if (keys.length === 0) throw new InvalidFilterPatternError(`${path || 'pattern'}: empty objects are not allowed`);
  for (const key of keys) {
    const value = object[key];
    const at = path === '' ? key : `${path}.${key}`;
    if (key === OR_KEY) {
      anyOf.push(compileOr(value, at));
    } else if (Array.isArray(value)) {
      fields.push({ key, inherited: key in Object.prototype, kind: 'leaf', leaf: compileLeaf(value, at) });
    } else if (isPlainObject(value)) {
      fields.push({ key, inherited: key in Object.prototype, kind: 'node', node: compileNode(value, at) });
    } else {
      throw new InvalidFilterPatternError(`${at}: must be an object or an array`);
    }
  }
  return { fields, anyOf };
}

/**
 * `$or` must be an array of at least two pattern objects. EventBridge's ruler falls back to reading other
 * shapes as a field literally named `$or`; Lambda's documentation knows `$or` only as the operator, so any
 * other shape is rejected rather than silently matching nothing.
 */
function compileOr(value: unknown, path: string): PatternNode[] {
  if (!Array.isArray(value) || value.length < 2) {
    throw new InvalidFilterPatternError(`${path}: must be an array of at least 2 objects`);
  }
  return value.map((alternative, index) => {
    if (!isPlainObject(alternative)) throw new InvalidFilterPatternError(`${path}[${index}]: must be an object`);
    return compileNode(alternative, `${path}[${index}]`);
  });
}

function compileLeaf(values: readonly unknown[], path: string): LeafRule {
  if (values.length === 0) throw new InvalidFilterPatternError(`${path}: empty arrays are not allowed`);
  const matchers = values.map((value, index) => compileMatcher(value, `${path}[${index}]`));
  return { matchers, matchesAbsent: matchers.some((matcher) => matcher.kind === 'exists' && !matcher.value) };
}

function compileMatcher(value: unknown, path: string): ValueMatcher {
  if (value === null) return { kind: 'null' };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'number' || value instanceof JsonNumberText) {
    const numeric = typeof value === 'number' ? value : value.value;
    return { kind: 'number', value: numeric, text: numberText(value), canonical: typeof value === 'number' };
  }
  if (!isPlainObject(value)) throw new InvalidFilterPatternError(`${path}: match value must be a string, number, true, false, null or an operator object`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new InvalidFilterPatternError(`${path}: an operator object has exactly one key`);
  const operator = keys[0]!;
  const operand = value[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
    case 'suffix':
      // Lambda lists neither the ignore-case form ({"prefix": {"equals-ignore-case": …}}) nor wildcards.
      return { kind: operator, value: requireString(operand, at) };
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', lowerCase: requireString(operand, at).toLowerCase() };
    case 'anything-but':
      return compileAnythingBut(operand, at);
    case 'numeric':
      return compileNumeric(operand, at);
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidFilterPatternError(`${at}: must be true or false`);
      return { kind: 'exists', value: operand };
    default:
      // wildcard, cidr and anything else Lambda does not list (spec §4.2)
      throw new InvalidFilterPatternError(`${path}: unsupported operator ${operator}`);
  }
}

/** A string, a number, or a non-empty list of only strings or only numbers (EventBridge rule). */
function compileAnythingBut(operand: unknown, path: string): ValueMatcher {
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length === 0) throw new InvalidFilterPatternError(`${path}: list must not be empty`);
  if (list.every((item) => typeof item === 'string')) {
    return { kind: 'anything-but-strings', values: new Set(list as string[]) };
  }
  if (list.every(isJsonNumber)) {
    return { kind: 'anything-but-numbers', values: new Set(list.map(numberValue)) };
  }
  // Objects ({"prefix": …} and friends) are EventBridge extensions Lambda does not list; null and booleans
  // and mixed lists are rejected by EventBridge itself.
  throw new InvalidFilterPatternError(`${path}: must be a string, a number, or a list of only strings or only numbers`);
}

/** `["=", n]`, `[op, n]` with op in `< <= > >=`, or a range `[> | >=, low, < | <=, high]` with low < high. */
function compileNumeric(operand: unknown, path: string): ValueMatcher {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new InvalidFilterPatternError(`${path}: must be [operator, number] or a range of two comparisons`);
  }
  const [firstOperator, firstValue, secondOperator, secondValue] = operand as unknown[];
  if (!isJsonNumber(firstValue)) throw new InvalidFilterPatternError(`${path}: value of ${String(firstOperator)} must be a number`);
  const first = numberValue(firstValue);
  if (!Number.isFinite(first)) throw new InvalidFilterPatternError(`${path}: number out of range`);
  if (operand.length === 2) {
    switch (firstOperator) {
      case '=':
        return numericRange(first, true, first, true);
      case '>':
        return numericRange(first, false, Infinity, false);
      case '>=':
        return numericRange(first, true, Infinity, false);
      case '<':
        return numericRange(-Infinity, false, first, false);
      case '<=':
        return numericRange(-Infinity, false, first, true);
      default:
        throw new InvalidFilterPatternError(`${path}: unrecognized numeric operator ${String(firstOperator)}`);
    }
  }
  // A range names its lower bound first, as EventBridge requires.
  if (firstOperator !== '>' && firstOperator !== '>=') {
    throw new InvalidFilterPatternError(`${path}: a range starts with > or >=`);
  }
  if (secondOperator !== '<' && secondOperator !== '<=') {
    throw new InvalidFilterPatternError(`${path}: a range ends with < or <=`);
  }
  if (!isJsonNumber(secondValue)) throw new InvalidFilterPatternError(`${path}: value of ${secondOperator} must be a number`);
  const second = numberValue(secondValue);
  if (!Number.isFinite(second)) throw new InvalidFilterPatternError(`${path}: number out of range`);
  if (!(first < second)) throw new InvalidFilterPatternError(`${path}: the lower bound must be below the upper bound`);
  return numericRange(first, firstOperator === '>=', second, secondOperator === '<=');
}

function numericRange(lower: number, lowerInclusive: boolean, upper: number, upperInclusive: boolean): ValueMatcher {
  return { kind: 'numeric', lower, lowerInclusive, upper, upperInclusive };
}

/**
 * Kinesis and DynamoDB filter their payload only as JSON: a data-key rule that is not an object is an
 * error at create/update (spec §4.3). SQS accepts a plain matcher list for `body` (raw-string filtering).
 * Top-level `$or` alternatives are top-level patterns too.
 */
function checkDataKey(node: PatternNode, dataKey: DataKey, source: SourceKind): void {
  if (source === 'sqs') return;
  for (const field of node.fields) {
    if (field.key === dataKey && field.kind !== 'node') {
      throw new InvalidFilterPatternError(`${dataKey}: the ${source} payload can only be filtered with a JSON object pattern`);
    }
  }
  for (const group of node.anyOf) for (const alternative of group) checkDataKey(alternative, dataKey, source);
}

function dataNeedsNumberText(root: PatternNode, dataKey: DataKey): boolean {
  const underData = (node: PatternNode): boolean =>
    node.fields.some((field) => field.key === dataKey && field.kind === 'node' && hasExactNumber(field.node)) ||
    node.anyOf.some((group) => group.some(underData));
  return underData(root);
}

function hasExactNumber(node: PatternNode): boolean {
  return (
    node.fields.some((field) =>
      field.kind === 'node' ? hasExactNumber(field.node) : field.leaf.matchers.some((matcher) => matcher.kind === 'number'),
    ) || node.anyOf.some((group) => group.some(hasExactNumber))
  );
}

function requireString(operand: unknown, path: string): string {
  if (typeof operand !== 'string') throw new InvalidFilterPatternError(`${path}: must be a string`);
  return operand;
}

function isJsonNumber(value: unknown): value is number | JsonNumberText {
  return typeof value === 'number' || value instanceof JsonNumberText;
}

function numberValue(value: number | JsonNumberText): number {
  return typeof value === 'number' ? value : value.value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumberText);
}
