import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { apiErrorOf, readJsonObject, readMaxItems } from './json-request.js';
import { mappingConfiguration, userStateTransitionReason } from './mapping-configuration.js';
import { readTags } from './tag-routes.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';
import type { EventSourceMapping } from '../mappings/event-source-mapping.js';
import {
  duplicateMappingMessage,
  MappingConflictError,
  MappingRevisionConflictError,
  type MappingRecordInput,
  type MappingStore,
  type StoredMapping,
} from '../mappings/mapping-store.js';
import { isTransitional, stateForCreate, stateForUpdate } from '../mappings/mapping-state.js';
import type { SourceCheck } from '../mappings/source-check.js';
import { OTHER_SOURCE_FIELDS, validateMapping } from '../mappings/validate-mapping.js';

export const MAPPINGS_PATH = '/2015-03-31/event-source-mappings';
export const MAPPING_PATH = '/2015-03-31/event-source-mappings/{UUID}';

/** ListEventSourceMappings: at most 100 mappings a page (spec §1.1). */
const MAX_LIST_PAGE_ITEMS = 100;
/** A write that lost a race with another write of the same record is tried again this many times. */
const WRITE_ATTEMPTS = 5;

const NOT_FOUND = 'The resource you requested does not exist.';
const IN_USE_UPDATE = 'Cannot update the event source mapping because it is in use.';
const IN_USE_DELETE = 'Cannot delete the event source mapping because it is in use.';

/** Members of UpdateEventSourceMappingRequest for any source; the others of the Kafka/MQ/DocumentDB family are refused. */
const UPDATE_FIELDS: ReadonlySet<string> = new Set([
  'FunctionName',
  'Enabled',
  'BatchSize',
  'FilterCriteria',
  'MaximumBatchingWindowInSeconds',
  'DestinationConfig',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
  'FunctionResponseTypes',
  'ScalingConfig',
  'KMSKeyArn',
  'MetricsConfig',
  'ProvisionedPollerConfig',
  'SourceAccessConfigurations',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
  'LoggingConfig',
]);
/** Members of CreateEventSourceMappingRequest: the update members plus the create-only ones. */
const CREATE_FIELDS: ReadonlySet<string> = new Set([...UPDATE_FIELDS, ...OTHER_SOURCE_FIELDS, 'EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'Tags']);

export interface EventSourceMappingApi {
  readonly store: MappingStore;
  readonly functions: FunctionRegistry;
  /** Region of the mapping ARNs. */
  readonly region: string;
  readonly checkSource: SourceCheck;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * Lambda's event source mapping API (spec §1.1): Create, Get, List, Update and Delete. It only writes the shared
 * mapping store: a create enters Creating (or Disabled), an update Enabling, Disabling or Updating, a delete Deleting;
 * the supervisors of every replica apply the change and end the transition.
 */
export function registerEventSourceMappingRoutes(server: HttpServer, api: EventSourceMappingApi): void {
  const routes = new EventSourceMappingRoutes(api);
  for (const path of [MAPPINGS_PATH, `${MAPPINGS_PATH}/`]) {
    server.route('POST', path, (request, response) => routes.create(request, response));
    server.route('GET', path, (request, response) => routes.list(request, response));
  }
  server.route('GET', MAPPING_PATH, (_request, response, params) => routes.get(response, params.UUID!));
  server.route('PUT', MAPPING_PATH, (request, response, params) => routes.update(request, response, params.UUID!));
  server.route('DELETE', MAPPING_PATH, (_request, response, params) => routes.delete(response, params.UUID!));
}

class EventSourceMappingRoutes {
  private readonly now: () => number;

  constructor(private readonly api: EventSourceMappingApi) {
    this.now = api.now ?? Date.now;
  }

  async create(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJsonObject(request, 'CreateEventSourceMapping', CREATE_FIELDS);
    const { Tags, ...fields } = body;
    const tags = readTags(Tags);
    const mapping = this.validate({ ...fields, UUID: randomUUID() });
    await this.checkSource(mapping);
    const record: MappingRecordInput = {
      mapping,
      state: stateForCreate(mapping.Enabled),
      stateTransitionReason: userStateTransitionReason(mapping.sourceKind),
      lastModifiedMs: this.now(),
      tags,
    };
    try {
      await this.api.store.create(record);
    } catch (err) {
      if (err instanceof MappingConflictError) throw new ApiError('ResourceConflictException', duplicateMappingMessage(mapping, err.existingUuid));
      throw err;
    }
    sendJson(response, 202, await this.configuration({ ...record, revision: 1 }));
  }

  async get(response: ServerResponse, uuid: string): Promise<void> {
    sendJson(response, 200, await this.configuration(await this.existing(uuid)));
  }

  async list(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const maxItems = readMaxItems(query.get('MaxItems'), MAX_LIST_PAGE_ITEMS);
    const functionName = query.get('FunctionName') ?? undefined;
    const eventSourceArn = query.get('EventSourceArn') ?? undefined;
    const marker = query.get('Marker') ?? undefined;
    const page = await this.api.store.list({
      maxItems,
      ...(functionName !== undefined ? { functionName: this.functionNameOf(functionName) } : {}),
      ...(eventSourceArn !== undefined ? { eventSourceArn } : {}),
      ...(marker ? { marker } : {}),
    });
    // Filters encrypted with a customer key are not decrypted for a listing, only for Get and Delete (spec §1.4).
    const items = await Promise.all(
      page.items.map(async (record) => {
        const item = await this.configuration(record);
        return record.mapping.KMSKeyArn && item.FilterCriteria ? { ...item, FilterCriteria: null } : item;
      }),
    );
    sendJson(response, 200, { EventSourceMappings: items, ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}) });
  }

  async update(request: IncomingMessage, response: ServerResponse, uuid: string): Promise<void> {
    await this.existing(uuid);
    const changes = withoutNulls(await readJsonObject(request, 'UpdateEventSourceMapping', UPDATE_FIELDS));
    for (let attempt = 1; ; attempt++) {
      const current = await this.existing(uuid);
      if (isTransitional(current.state)) throw new ApiError('ResourceInUseException', IN_USE_UPDATE);
      const { sourceKind: _kind, fifo: _fifo, ...fields } = current.mapping;
      const mapping = this.validate({ ...fields, ...changes });
      await this.checkSource(mapping);
      const next: MappingRecordInput = {
        mapping,
        state: stateForUpdate(current.mapping.Enabled, mapping.Enabled),
        stateTransitionReason: userStateTransitionReason(mapping.sourceKind),
        lastModifiedMs: this.now(),
        tags: current.tags,
      };
      const stored = await this.write(uuid, current, next, attempt);
      if (stored === 'retry') continue;
      sendJson(response, 202, await this.configuration(stored));
      return;
    }
  }

  async delete(response: ServerResponse, uuid: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.existing(uuid);
      if (isTransitional(current.state)) throw new ApiError('ResourceInUseException', IN_USE_DELETE);
      const { revision: _revision, ...record } = current;
      const stored = await this.write(uuid, current, { ...record, state: 'Deleting', lastModifiedMs: this.now() }, attempt);
      if (stored === 'retry') continue;
      sendJson(response, 202, await this.configuration(stored));
      return;
    }
  }

  /** Replaces the record at the revision read; 'retry' when another write came first and attempts remain. */
  private async write(uuid: string, current: StoredMapping, next: MappingRecordInput, attempt: number): Promise<StoredMapping | 'retry'> {
    try {
      const stored = await this.api.store.replace(uuid, current.revision, next);
      if (!stored) throw new ApiError('ResourceNotFoundException', NOT_FOUND);
      return stored;
    } catch (err) {
      if (err instanceof MappingRevisionConflictError && attempt < WRITE_ATTEMPTS) return 'retry';
      if (err instanceof MappingRevisionConflictError) throw new ApiError('ResourceInUseException', IN_USE_UPDATE);
      if (err instanceof MappingConflictError) throw new ApiError('ResourceConflictException', duplicateMappingMessage(next.mapping, err.existingUuid));
      throw err;
    }
  }

  private async existing(uuid: string): Promise<StoredMapping> {
    const record = await this.api.store.get(uuid);
    if (!record) throw new ApiError('ResourceNotFoundException', NOT_FOUND);
    return record;
  }

  private validate(raw: Record<string, unknown>): EventSourceMapping {
    const functionNames = new Set(this.api.functions.all().map((fn) => fn.name));
    const result = validateMapping(raw, { path: 'request', functionNames, now: this.now });
    if (!result.mapping) throw apiErrorOf(result.issues);
    return result.mapping;
  }

  private async checkSource(mapping: EventSourceMapping): Promise<void> {
    const fn = this.api.functions.get(mapping.FunctionName);
    if (!fn) throw new ApiError('InvalidParameterValueException', 'Function does not exist');
    await this.api.checkSource(mapping, fn.timeoutSeconds);
  }

  /** A FunctionName filter of List: a name, or an ARN of one (unknown names simply match nothing). */
  private functionNameOf(reference: string): string {
    try {
      return this.api.functions.resolve(reference).name;
    } catch {
      return reference;
    }
  }

  private async configuration(record: StoredMapping): Promise<Record<string, unknown>> {
    const fn = this.api.functions.get(record.mapping.FunctionName);
    return mappingConfiguration(record, {
      region: this.api.region,
      functionArn: fn?.arn ?? `arn:aws:lambda:${this.api.region}:${LOCAL_ACCOUNT_ID}:function:${record.mapping.FunctionName}`,
      status: await this.api.store.status(record.mapping.UUID),
    });
  }
}


/** In a request, a member set to null is a member not given: the update keeps its value. */
function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}
