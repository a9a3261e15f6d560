import type { SourceKind } from '../mappings/event-source-mapping.js';

/**
 * Partial batch responses (`ReportBatchItemFailures`, spec §3.4): what a function's result says about
 * which records of its batch failed. Only meaningful when the mapping lists `ReportBatchItemFailures` in
 * `FunctionResponseTypes` and the invocation itself succeeded; otherwise callers ignore the result.
 *
 * | result                                                        | outcome   |
 * |---------------------------------------------------------------|-----------|
 * | `null`, `{}`, `{"batchItemFailures":[]}`, `…:null`            | success   |
 * | empty payload `""` or `[]`                                    | success   |
 * | not JSON                                                      | invalid   |
 * | JSON that is neither an object nor one of the above           | invalid   |
 * | `batchItemFailures` not a list                                | invalid   |
 * | an entry without `itemIdentifier`, or `""` / `null` in it     | invalid   |
 * | an `itemIdentifier` that is not an id of the batch            | invalid   |
 * | otherwise                                                     | partial   |
 * "invalid" means the whole batch counts as failed.
 */
export type BatchItemFailuresResult =
  /** Nothing failed. */
  | { readonly kind: 'success' }
  /** These ids (every one in the batch, duplicates collapsed, in response order) failed. */
  | { readonly kind: 'partial'; readonly failedIds: readonly string[] }
  /** The response is malformed: the whole batch counts as failed. */
  | { readonly kind: 'invalid'; readonly reason: string };

const SUCCESS: BatchItemFailuresResult = Object.freeze({ kind: 'success' });

/**
 * Reads a function's partial batch response.
 * @param payload the function's result JSON text
 * @param batchIds SQS `messageId`s, or the stream records' sequence numbers
 * @param source the mapping's source. `""` and `[]` as the whole response are AWS-validated successes for
 *   streams; for SQS AWS documents neither, and they are read the same way: an empty response names no
 *   failed item, exactly like `null` — so the decision does not depend on `source` today.
 */
export function parseBatchItemFailures(payload: string, batchIds: ReadonlySet<string>, source: SourceKind): BatchItemFailuresResult {
  if (payload.trim() === '') return SUCCESS;
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return invalid('the function response is not valid JSON');
  }
  if (response === null) return SUCCESS;
  if (Array.isArray(response)) {
    return response.length === 0 ? SUCCESS : invalid('the function response is a non-empty list, not an object');
  }
  if (typeof response !== 'object') return invalid(`the function response is a ${typeof response}, not an object`);

  const failures = (response as Record<string, unknown>)['batchItemFailures'];
  if (failures === undefined || failures === null) return SUCCESS;
  if (!Array.isArray(failures)) return invalid('batchItemFailures is not a list');
  if (failures.length === 0) return SUCCESS;

  const failedIds = new Set<string>();
  for (let index = 0; index < failures.length; index += 1) {
    const entry: unknown = failures[index];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return invalid(`batchItemFailures[${index}] is not an object`);
    }
    const identifier = (entry as Record<string, unknown>)['itemIdentifier'];
    const id = itemId(identifier);
    if (id === undefined) {
      return invalid(`batchItemFailures[${index}].itemIdentifier is ${identifier === undefined ? 'missing' : 'empty or not a string'}`);
    }
    if (!batchIds.has(id)) return invalid(`batchItemFailures[${index}].itemIdentifier ${JSON.stringify(id)} is not in the batch`);
    failedIds.add(id);
  }
  return { kind: 'partial', failedIds: [...failedIds] };
}

/**
 * The id an `itemIdentifier` names, or undefined when it names none (missing, null, empty, not a string
 * or number). A JSON number counts by its string form, as a Java deserializer coerces a number into the
 * string field Lambda reads it into: `111` names the DynamoDB record with sequence number `"111"`, while a
 * number that is not an id of the batch (AWS-validated: `123`) makes the response invalid like any other
 * unknown id.
 */
function itemId(identifier: unknown): string | undefined {
  if (typeof identifier === 'string') return identifier === '' ? undefined : identifier;
  if (typeof identifier === 'number' && Number.isFinite(identifier)) return String(identifier);
  return undefined;
}

function invalid(reason: string): BatchItemFailuresResult {
  return { kind: 'invalid', reason };
}

/**
 * Streams: the lowest of the failed sequence numbers — where processing restarts. Sequence numbers are
 * decimal strings up to 128 bits (DynamoDB Local pads them with zeros), so they compare as big integers.
 * @throws RangeError when `ids` is empty
 */
export function lowestSequenceNumber(ids: readonly string[]): string {
  if (ids.length === 0) throw new RangeError('lowestSequenceNumber needs at least one sequence number');
  let lowest = ids[0]!;
  let lowestValue = BigInt(lowest);
  for (let index = 1; index < ids.length; index += 1) {
    const candidate = ids[index]!;
    const value = BigInt(candidate);
    if (value < lowestValue) {
      lowest = candidate;
      lowestValue = value;
    }
  }
  return lowest;
}
