import type { ServerResponse } from 'node:http';
import { ApiError } from '../errors/api-error.js';
import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { invalidContent, readJsonObject } from './json-request.js';
import { uuidOfMappingArn } from './mapping-configuration.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { MappingRevisionConflictError, type MappingStore, type StoredMapping } from '../mappings/mapping-store.js';

export const TAGS_PATH = '/2017-03-31/tags/{ARN}';

/** Tag limits of Lambda resources (AWS tagging rules): 50 tags, keys 1..128 characters, values 0..256. */
const MAX_TAGS_PER_RESOURCE = 50;
const MAX_TAG_KEY_CHARS = 128;
const MAX_TAG_VALUE_CHARS = 256;
/** A tag change that lost a race with another write of the same record is tried again this many times. */
const WRITE_ATTEMPTS = 5;

/** The Lambda API model's pattern of a taggable resource ARN. */
const RESOURCE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** `Tags` of a create or TagResource request: a map of strings within AWS's limits; `{}` when absent. */
export function readTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidContent('Tags must be a map of strings');
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(value)) {
    if (typeof tagValue !== 'string') throw invalidContent(`Tags.${key} must be a string`);
    if (key.length < 1 || key.length > MAX_TAG_KEY_CHARS || key.startsWith('aws:')) {
      throw new ApiError('InvalidParameterValueException', `Tag key must be 1 to ${MAX_TAG_KEY_CHARS} characters and may not start with "aws:": ${key}`);
    }
    if (tagValue.length > MAX_TAG_VALUE_CHARS) throw new ApiError('InvalidParameterValueException', `Tag value must be at most ${MAX_TAG_VALUE_CHARS} characters: ${key}`);
    tags[key] = tagValue;
  }
  checkCount(tags);
  return tags;
}

function checkCount(tags: Readonly<Record<string, string>>): void {
  if (Object.keys(tags).length > MAX_TAGS_PER_RESOURCE) {
    throw new ApiError('InvalidParameterValueException', `Number of tags exceeds resource tag limit of ${MAX_TAGS_PER_RESOURCE}.`);
  }
}

export interface TagApi {
  readonly store: MappingStore;
  readonly functions: FunctionRegistry;
}

/**
 * TagResource, UntagResource and ListTags on event source mapping ARNs. Tags change no state and no `LastModified`.
 * Configured functions have no tags: ListTags of one answers `{}` and tagging one is refused.
 */
export function registerTagRoutes(server: HttpServer, api: TagApi): void {
  server.route('GET', TAGS_PATH, async (_request, response, params) => {
    const target = await resolve(api, params.ARN!);
    sendJson(response, 200, { Tags: target === 'function' ? {} : { ...target.tags } });
  });
  server.route('POST', TAGS_PATH, async (request, response, params) => {
    const body = await readJsonObject(request, 'TagResource', new Set(['Tags']));
    const added = readTags(body.Tags);
    await change(api, params.ARN!, (tags) => ({ ...tags, ...added }));
    noContent(response);
  });
  server.route('DELETE', TAGS_PATH, async (request, response, params) => {
    const keys = new URL(request.url ?? '/', 'http://localhost').searchParams.getAll('tagKeys');
    if (keys.length === 0) {
      throw new ApiError('ValidationException', "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
    }
    await change(api, params.ARN!, (tags) => Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key))));
    noContent(response);
  });
}

async function change(api: TagApi, arn: string, apply: (tags: Readonly<Record<string, string>>) => Record<string, string>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const target = await resolve(api, arn);
    if (target === 'function') throw new ApiError('InvalidParameterValueException', 'Configured functions cannot be tagged through this API; tags apply to event source mappings.');
    const tags = apply(target.tags);
    checkCount(tags);
    const { revision, ...record } = target;
    try {
      if (!(await api.store.replace(target.mapping.UUID, revision, { ...record, tags }))) throw notFound(arn);
      return;
    } catch (err) {
      if (!(err instanceof MappingRevisionConflictError) || attempt >= WRITE_ATTEMPTS) throw err;
    }
  }
}

async function resolve(api: TagApi, arn: string): Promise<StoredMapping | 'function'> {
  const uuid = uuidOfMappingArn(arn);
  if (uuid) {
    const record = await api.store.get(uuid);
    if (!record || record.state === 'Deleting') throw notFound(arn);
    return record;
  }
  if (/:function:/.test(arn)) {
    api.functions.resolve(arn);
    return 'function';
  }
  throw new ApiError(
    'ValidationException',
    `1 validation error detected: Value '${arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ${RESOURCE_PATTERN}`,
  );
}

function notFound(arn: string): ApiError {
  return new ApiError('ResourceNotFoundException', `Event source mapping not found: ${arn}`);
}

function noContent(response: ServerResponse): void {
  response.writeHead(204);
  response.end();
}

