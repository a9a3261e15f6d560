import type { SourceKind } from '../mappings/event-source-mapping.js';
import { JsonNumberText, parseJsonKeepingNumberText } from './filter-json.js';
import {
  dataKeyOf,
  InvalidFilterPatternError,
  MAX_FILTERS_PER_MAPPING,
  parseFilterPattern,
  type DataKey,
  type FieldRule,
  type FilterPattern,
  type LeafRule,
  type PatternNode,
  type ValueMatcher,
} from './filter-pattern.js';

export { InvalidFilterPatternError, type DataKey } from './filter-pattern.js';

/**
 * Compiled, immutable filter set of one mapping — Lambda event filtering (spec §4): decides whether one
 * event record reaches the function. Compile once per mapping; `matches` runs per record.
 *
 * Semantics, EventBridge's as Lambda documents them:
 * - filters are OR'ed; within a pattern every key must match (AND); the matchers of one key are OR'ed;
 *   nested pattern objects descend into nested event objects; `$or` needs one of its alternatives.
 * - every field a pattern names must be present, except for `{"exists": false}`; `[null]` matches a field
 *   that is present with the value null, `[""]` one that holds the empty string.
 * - an event array matches when any of its elements matches (arrays of arrays flatten); a nested pattern
 *   object must match within one element (array-consistent matching). Objects and empty arrays are not
 *   leaf values: for a leaf rule they count as absent (`exists` works on leaves only).
 * - string matching is exact, without normalisation. An exact number matches by string form, as Lambda's
 *   guide states (`300`, `300.0` and `3.0e2` differ; EventBridge's ruler would also compare them
 *   numerically, Lambda documents that it does not); `numeric` and numeric `anything-but` compare values
 *   and only JSON numbers satisfy `numeric`.
 *
 * The payload key of each source (spec §4.3):
 * - SQS `body` (a string): a pattern object applies to a body that is a JSON object or array; a matcher
 *   list applies to the raw string of a body that is not. The mixed cases never match — Lambda drops
 *   the message. A body that parses to a bare JSON scalar (`42`, `"x"`, `true`) counts as a plain string:
 *   otherwise no pattern at all could select it.
 * - Kinesis `data` (base64): decoded as UTF-8 and parsed as a JSON object or array; anything else never
 *   matches a `data` pattern. Other top-level pattern keys are looked up on the record and then in its
 *   `kinesis` object, so `partitionKey` works at the top level as in AWS's examples.
 * - DynamoDB `dynamodb` is already an object.
 * The record passed in is never modified.
 */
export class FilterCriteriaMatcher {
  /** True when there are no filters: every record matches, and pollers may skip filtering. */
  readonly isEmpty: boolean;

  private readonly source: SourceKind;
  private readonly dataKey: DataKey;
  private readonly dataNeedsNumberText: boolean;
  private readonly patterns: readonly PatternNode[];

  // Scratch state of one synchronous `matches` call (never re-entered): the record's payload, parsed at
  // most once however many filters read it.
  private payloadState = PAYLOAD_UNREAD;
  private payload: unknown;

  private constructor(patterns: readonly FilterPattern[], source: SourceKind) {
    this.source = source;
    this.dataKey = dataKeyOf(source);
    this.patterns = patterns.map((pattern) => pattern.root);
    this.dataNeedsNumberText = patterns.some((pattern) => pattern.dataNeedsNumberText);
    this.isEmpty = patterns.length === 0;
  }

  /**
   * Parses and validates every pattern once.
   * @throws InvalidFilterPatternError on a bad pattern, a malformed `FilterCriteria` or too many filters.
   */
  static compile(criteria: { readonly Filters: readonly { readonly Pattern: string }[] } | undefined, source: SourceKind): FilterCriteriaMatcher {
    return new FilterCriteriaMatcher(parseFilterCriteria(criteria, source), source);
  }

  /** Does this record (exactly the event record the function would receive) match any filter? */
  matches(record: Record<string, unknown>): boolean {
    if (this.isEmpty) return true;
    this.payloadState = PAYLOAD_UNREAD;
    try {
      for (const pattern of this.patterns) {
        if (this.rootMatches(pattern, record)) return true;
      }
      return false;
    } finally {
      // Hold no reference to the record's payload between calls.
      this.payload = undefined;
    }
  }

  private rootMatches(node: PatternNode, record: Record<string, unknown>): boolean {
    for (const field of node.fields) {
      if (!this.rootFieldMatches(field, record)) return false;
    }
    for (const group of node.anyOf) {
      let matched = false;
      for (const alternative of group) {
        if (this.rootMatches(alternative, record)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
    return true;
  }

  private rootFieldMatches(field: FieldRule, record: Record<string, unknown>): boolean {
    if (field.key === this.dataKey && this.source !== 'dynamodb') {
      const state = this.readPayload(record);
      if (field.kind === 'node') return state === PAYLOAD_JSON && nodeMatches(field.node, this.payload);
      // Only SQS accepts a matcher list for its payload key (Kinesis rejects it at compile time).
      if (state === PAYLOAD_PLAIN) return leafMatches(field.leaf, this.payload);
      return state === PAYLOAD_ABSENT && leafMatches(field.leaf, undefined);
    }
    let value = ownField(record, field);
    if (value === undefined && this.source === 'kinesis') {
      const kinesis = record['kinesis'];
      if (isObject(kinesis)) value = ownField(kinesis, field);
    }
    return fieldMatches(field, value);
  }

  /** Reads the SQS body or the Kinesis data of the current record, once. */
  private readPayload(record: Record<string, unknown>): number {
    if (this.payloadState !== PAYLOAD_UNREAD) return this.payloadState;
    let text: string | undefined;
    if (this.source === 'sqs') {
      const body = record['body'];
      if (typeof body === 'string') text = body;
    } else {
      const kinesis = record['kinesis'];
      const data = isObject(kinesis) ? kinesis['data'] : undefined;
      if (typeof data === 'string') text = Buffer.from(data, 'base64').toString('utf8');
    }
    if (text === undefined) {
      this.payload = undefined;
      this.payloadState = PAYLOAD_ABSENT;
      return this.payloadState;
    }
    const parsed = parseStructuredJson(text, this.dataNeedsNumberText);
    if (parsed === NOT_JSON) {
      this.payload = text;
      this.payloadState = PAYLOAD_PLAIN;
    } else {
      this.payload = parsed;
      this.payloadState = PAYLOAD_JSON;
    }
    return this.payloadState;
  }
}

/**
 * Validation only (for configuration and the API): the AWS error message, or undefined when `criteria`
 * is acceptable. `undefined`, `null`, `{}` and `{"Filters": []}` mean "no filtering".
 */
export function validateFilterCriteria(criteria: unknown, source: SourceKind): string | undefined {
  try {
    parseFilterCriteria(criteria, source);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidFilterPatternError) return error.message;
    throw error;
  }
}

function parseFilterCriteria(criteria: unknown, source: SourceKind): FilterPattern[] {
  if (criteria === undefined || criteria === null) return [];
  if (!isObject(criteria) || Array.isArray(criteria)) throw new InvalidFilterPatternError('FilterCriteria must be an object');
  const filters = criteria['Filters'];
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters)) throw new InvalidFilterPatternError('FilterCriteria.Filters must be a list');
  if (filters.length > MAX_FILTERS_PER_MAPPING) {
    throw new InvalidFilterPatternError(`more than ${MAX_FILTERS_PER_MAPPING} filters`);
  }
  return filters.map((filter: unknown, index) => {
    const pattern = isObject(filter) ? filter['Pattern'] : undefined;
    if (typeof pattern !== 'string') throw new InvalidFilterPatternError(`Filters[${index}].Pattern must be a string`);
    try {
      return parseFilterPattern(pattern, source);
    } catch (error) {
      if (error instanceof InvalidFilterPatternError) throw new InvalidFilterPatternError(`Filters[${index}].Pattern: ${error.reason}`);
      throw error;
    }
  });
}

const PAYLOAD_UNREAD = 0;
/** The payload is a JSON object or array. */
const PAYLOAD_JSON = 1;
/** The payload is a string that is not a JSON object or array. */
const PAYLOAD_PLAIN = 2;
/** The record carries no payload string. */
const PAYLOAD_ABSENT = 3;

const NOT_JSON = Symbol('not-json');

function parseStructuredJson(text: string, keepNumberText: boolean): unknown {
  // Cheap pre-check: a JSON object or array starts with { or [ after optional whitespace.
  const start = text.search(/\S/);
  if (start === -1) return NOT_JSON;
  const first = text.charCodeAt(start);
  if (first !== 0x7b && first !== 0x5b) return NOT_JSON;
  try {
    return keepNumberText ? parseJsonKeepingNumberText(text) : JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

// Result of scanning an event value for a leaf rule.
const NO_LEAF_VALUE = 0;
const LEAF_MATCHED = 1;
const LEAF_UNMATCHED = 2;

function fieldMatches(field: FieldRule, value: unknown): boolean {
  return field.kind === 'node' ? nodeMatches(field.node, value) : leafMatches(field.leaf, value);
}

/** A nested pattern object against an event value (undefined when absent). */
function nodeMatches(node: PatternNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    if (value.length === 0) return nodeMatches(node, undefined);
    for (const element of value) {
      if (nodeMatches(node, element)) return true;
    }
    return false;
  }
  const object = isObject(value) ? value : undefined;
  for (const field of node.fields) {
    if (!fieldMatches(field, object === undefined ? undefined : ownField(object, field))) return false;
  }
  for (const group of node.anyOf) {
    let matched = false;
    for (const alternative of group) {
      if (nodeMatches(alternative, value)) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

function leafMatches(leaf: LeafRule, value: unknown): boolean {
  const result = scanLeaf(leaf.matchers, value);
  return result === LEAF_MATCHED || (result === NO_LEAF_VALUE && leaf.matchesAbsent);
}

function scanLeaf(matchers: readonly ValueMatcher[], value: unknown): number {
  if (value === undefined) return NO_LEAF_VALUE;
  if (Array.isArray(value)) {
    let result = NO_LEAF_VALUE;
    for (const element of value) {
      const elementResult = scanLeaf(matchers, element);
      if (elementResult === LEAF_MATCHED) return LEAF_MATCHED;
      if (elementResult === LEAF_UNMATCHED) result = LEAF_UNMATCHED;
    }
    return result;
  }
  if (isObject(value)) return NO_LEAF_VALUE;
  for (const matcher of matchers) {
    if (scalarMatches(matcher, value)) return LEAF_MATCHED;
  }
  return LEAF_UNMATCHED;
}

/** One matcher against one present scalar: string, number, JsonNumberText, boolean or null. */
function scalarMatches(matcher: ValueMatcher, value: unknown): boolean {
  switch (matcher.kind) {
    case 'string':
      return value === matcher.value;
    case 'number':
      if (typeof value === 'number') return matcher.canonical && value === matcher.value;
      return value instanceof JsonNumberText && value.text === matcher.text;
    case 'boolean':
      return value === matcher.value;
    case 'null':
      return value === null;
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === matcher.lowerCase;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(matcher.value);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(matcher.value);
    case 'anything-but-strings':
      return !(typeof value === 'string' && matcher.values.has(value));
    case 'anything-but-numbers': {
      const number = numericValue(value);
      return number === undefined || !matcher.values.has(number);
    }
    case 'numeric': {
      const number = numericValue(value);
      if (number === undefined) return false;
      const aboveLower = matcher.lowerInclusive ? number >= matcher.lower : number > matcher.lower;
      return aboveLower && (matcher.upperInclusive ? number <= matcher.upper : number < matcher.upper);
    }
    case 'exists':
      return matcher.value;
  }
}

function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return value instanceof JsonNumberText ? value.value : undefined;
}

/** The event's own property named by the rule; never something inherited like `toString`. */
function ownField(object: Record<string, unknown>, field: FieldRule): unknown {
  if (field.inherited && !Object.hasOwn(object, field.key)) return undefined;
  return object[field.key];
}

/** A JSON object (not an array, not null, not a kept number). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumberText);
}
