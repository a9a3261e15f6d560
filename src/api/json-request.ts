import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors/api-error.js';
import type { ValidationIssue } from '../config/config-error.js';
import { readBody } from './http-server.js';

/** Largest JSON body of a management request (mapping, tags); Lambda's own control-plane requests are far smaller. */
export const MAX_MANAGEMENT_REQUEST_BYTES = 256 * 1024;

/** `MaxItems` range of List operations (API model). */
const MIN_MAX_ITEMS = 1;
const MAX_MAX_ITEMS = 10_000;

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NOT_IGNORABLE = 'is not a supported field';

/** `Could not parse request body into json: …`: Lambda's answer to a body it cannot deserialize (spec §1.1). */
export function invalidContent(detail: string): ApiError {
  return new ApiError('InvalidRequestContentException', `Could not parse request body into json: ${detail}`);
}

/**
 * Reads a management request's JSON object (an empty body is `{}`): at most {@link MAX_MANAGEMENT_REQUEST_BYTES}
 * (RequestEntityTooLargeException), UTF-8, JSON, an object, and only the members `fields` lists — an unknown member is
 * refused as Lambda's deserializer refuses it (InvalidRequestContentException).
 */
export async function readJsonObject(request: IncomingMessage, operation: string, fields: ReadonlySet<string>): Promise<Record<string, unknown>> {
  const body = await readBody(
    request,
    MAX_MANAGEMENT_REQUEST_BYTES,
    () => new ApiError('RequestEntityTooLargeException', `Request must be smaller than ${MAX_MANAGEMENT_REQUEST_BYTES} bytes for the ${operation} operation`),
  );
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(UTF8.decode(body));
  } catch (err) {
    throw invalidContent((err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidContent(`the body of ${operation} must be a JSON object`);
  for (const key of Object.keys(parsed)) {
    if (!fields.has(key)) throw invalidContent(`Unrecognized field "${key}", not marked as ignorable`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * The error Lambda answers for the problems validation found, in the order AWS checks: a body it cannot deserialize
 * (wrong types, unknown nested members), then the model's constraints (all of them in one ValidationException), then
 * the service's own rules (the first one, as InvalidParameterValueException unless the issue names another error).
 */
export function apiErrorOf(issues: readonly ValidationIssue[]): ApiError {
  const unknown = issues.find((issue) => issue.message === NOT_IGNORABLE);
  if (unknown) return invalidContent(`Unrecognized field "${unknown.path.split('.').at(-1)}", not marked as ignorable`);
  const content = issues.find((issue) => issue.api?.name === 'InvalidRequestContentException');
  if (content) return new ApiError('InvalidRequestContentException', content.api!.message);
  const model = issues.filter((issue) => issue.api?.name === 'ValidationException').map((issue) => issue.api!.message);
  if (model.length === 1) return new ApiError('ValidationException', model[0]!);
  if (model.length > 1) {
    const details = model.map((message) => message.replace(/^1 validation error detected: /, ''));
    return new ApiError('ValidationException', `${model.length} validation errors detected: ${details.join('; ')}`);
  }
  const first = issues[0];
  if (!first) return new ApiError('ServiceException', 'Validation failed without a reason.');
  return new ApiError(first.api?.name ?? 'InvalidParameterValueException', first.api?.message ?? first.message);
}

/** `MaxItems` of a List operation: 1..10000 in the API model, then capped at the operation's page size. */
export function readMaxItems(value: string | null, pageItems: number): number {
  if (value === null || value === '') return pageItems;
  const items = Number(value);
  if (!Number.isInteger(items) || items < MIN_MAX_ITEMS || items > MAX_MAX_ITEMS) {
    const constraint = Number.isInteger(items) && items < MIN_MAX_ITEMS ? `greater than or equal to ${MIN_MAX_ITEMS}` : `less than or equal to ${MAX_MAX_ITEMS}`;
    throw new ApiError('ValidationException', `1 validation error detected: Value '${value}' at 'maxItems' failed to satisfy constraint: Member must have value ${constraint}`);
  }
  return Math.min(items, pageItems);
}
