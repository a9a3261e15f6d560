import type { Redis } from '../redis/redis-connection.js';
import type { MappingStoreKeys, RedisKeys } from '../redis/keys.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import { settledStateOf, stateForCreate, stateForUpdate, type MappingState } from './mapping-state.js';
import {
  MappingConflictError,
  MappingRevisionConflictError,
  type AcknowledgeResult,
  type ListMappingsQuery,
  type MappingPage,
  type MappingRecordInput,
  type MappingStore,
  type SharedMappingStatus,
  type StoreSnapshot,
  type StoredMapping,
} from './mapping-store.js';

const CREATE = readLuaScript(import.meta.url, 'create-mapping-5.lua');
const REPLACE = readLuaScript(import.meta.url, 'replace-mapping-5.lua');
const ACKNOWLEDGE = readLuaScript(import.meta.url, 'acknowledge-mapping-7.lua');
const HEARTBEAT = readLuaScript(import.meta.url, 'heartbeat-replica-1.lua');

/** The JSON kept per mapping; state and revision live in hashes of their own so scripts never re-encode it. */
interface RecordBody {
  readonly mapping: EventSourceMapping;
  readonly stateTransitionReason: string;
  readonly lastModifiedMs: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** How many times a declaration is retried when another replica writes the same record at the same moment. */
const DECLARE_ATTEMPTS = 5;

/** The one-mapping-per-pair key (AWS refuses a second mapping of one function to one source). */
function pairKey(mapping: EventSourceMapping): string {
  return `${mapping.FunctionName}\n${mapping.EventSourceArn}`;
}

function bodyOf(record: MappingRecordInput): string {
  const body: RecordBody = {
    mapping: record.mapping,
    stateTransitionReason: record.stateTransitionReason,
    lastModifiedMs: record.lastModifiedMs,
    tags: record.tags,
  };
  return JSON.stringify(body);
}

/**
 * The mapping store in Redis: three hashes (body, state, revision) keyed by UUID, a pair index for
 * duplicates, a change counter, the live replicas and their acknowledgements. Every write is one script
 * (src/mappings/scripts/), so a record and its indexes never disagree.
 */
export class RedisMappingStore implements MappingStore {
  private readonly k: MappingStoreKeys;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.k = keys.mappingStore;
  }

  private get recordKeys(): string[] {
    return [this.k.records, this.k.states, this.k.revisions, this.k.pairs, this.k.changes];
  }

  async create(record: MappingRecordInput): Promise<StoredMapping> {
    const [code, existing] = (await evalScript(this.redis, CREATE, this.recordKeys, [
      record.mapping.UUID,
      pairKey(record.mapping),
      bodyOf(record),
      record.state,
    ])) as [number, string];
    if (code < 0) throw new MappingConflictError(existing);
    return { ...record, revision: 1 };
  }

  async get(uuid: string): Promise<StoredMapping | undefined> {
    const replies = await this.redis.multi().hget(this.k.records, uuid).hget(this.k.states, uuid).hget(this.k.revisions, uuid).exec();
    const [body, state, revision] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as string | null;
    });
    if (!body || !state || !revision) return undefined;
    return parseRecord(body, state, revision);
  }

  async all(): Promise<StoredMapping[]> {
    return (await this.snapshot()).records;
  }

  async snapshot(): Promise<StoreSnapshot> {
    const replies = await this.redis
      .multi()
      .hgetall(this.k.records)
      .hgetall(this.k.states)
      .hgetall(this.k.revisions)
      .get(this.k.fleetMarker)
      .exec();
    const [bodies, states, revisions, fleetMarker] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [Record<string, string>, Record<string, string>, Record<string, string>, string | null];
    const records: StoredMapping[] = [];
    for (const uuid of Object.keys(bodies).sort()) {
      const state = states[uuid];
      const revision = revisions[uuid];
      if (state && revision) records.push(parseRecord(bodies[uuid]!, state, revision));
    }
    return { records, fleetMarker: fleetMarker ?? undefined };
  }

  async establishFleetMarker(candidate: string): Promise<string> {
    const replies = await this.redis.multi().set(this.k.fleetMarker, candidate, 'NX').get(this.k.fleetMarker).exec();
    const [err, stored] = replies?.[1] ?? [new Error('missing reply'), null];
    if (err) throw err;
    return String(stored);
  }

  async restore(record: StoredMapping): Promise<boolean> {
    try {
      await this.create(record);
      return true;
    } catch (err) {
      if (err instanceof MappingConflictError) return false;
      throw err;
    }
  }

  async list(query: ListMappingsQuery): Promise<MappingPage> {
    const matching = (await this.all()).filter(
      (record) =>
        (query.functionName === undefined || record.mapping.FunctionName === query.functionName) &&
        (query.eventSourceArn === undefined || record.mapping.EventSourceArn === query.eventSourceArn) &&
        (query.marker === undefined || record.mapping.UUID > query.marker),
    );
    const items = matching.slice(0, query.maxItems);
    return matching.length > items.length ? { items, nextMarker: items.at(-1)!.mapping.UUID } : { items };
  }

  async replace(uuid: string, expectedRevision: number, next: MappingRecordInput): Promise<StoredMapping | undefined> {
    const current = await this.get(uuid);
    if (!current) return undefined;
    const [code, holder] = (await evalScript(this.redis, REPLACE, this.recordKeys, [
      uuid,
      expectedRevision,
      pairKey(current.mapping),
      pairKey(next.mapping),
      bodyOf(next),
      next.state,
    ])) as [number, string];
    if (code === 0) return undefined;
    if (code === -1) throw new MappingRevisionConflictError(uuid);
    if (code === -2) throw new MappingConflictError(holder);
    return { ...next, revision: code };
  }

  async changeCounter(): Promise<number> {
    return Number((await this.redis.get(this.k.changes)) ?? 0);
  }

  async acknowledge(uuid: string, revision: number, workerId: string): Promise<AcknowledgeResult> {
    const record = await this.get(uuid);
    if (!record) return 'missing';
    const settled = settledStateOf(record.state, record.mapping.Enabled) ?? 'Disabled';
    return (await evalScript(this.redis, ACKNOWLEDGE, [...this.recordKeys, this.k.replicas, this.k.acks(uuid)], [
      uuid,
      revision,
      workerId,
      settled,
      pairKey(record.mapping),
    ])) as AcknowledgeResult;
  }

  async heartbeat(workerId: string, ttlMs: number): Promise<void> {
    await evalScript(this.redis, HEARTBEAT, [this.k.replicas], [workerId, ttlMs]);
  }

  async liveReplicas(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return this.redis.zcount(this.k.replicas, `(${nowMs}`, '+inf');
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(this.k.replicas, workerId);
  }

  async declare(declared: Omit<MappingRecordInput, 'state'>, declarationHash: string): Promise<boolean> {
    const uuid = declared.mapping.UUID;
    if ((await this.redis.hget(this.k.declarations, uuid)) === declarationHash) return false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const current = await this.get(uuid);
        if (current) {
          const state = stateForUpdate(current.mapping.Enabled, declared.mapping.Enabled);
          await this.replace(uuid, current.revision, { ...declared, state, tags: { ...current.tags, ...declared.tags } });
        } else {
          await this.create({ ...declared, state: stateForCreate(declared.mapping.Enabled) });
        }
        break;
      } catch (err) {
        const raced = err instanceof MappingRevisionConflictError || (err instanceof MappingConflictError && err.existingUuid === uuid);
        if (!raced || attempt >= DECLARE_ATTEMPTS) throw err;
      }
    }
    await this.redis.hset(this.k.declarations, uuid, declarationHash);
    return true;
  }

  async declarations(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k.declarations)));
  }

  async forgetDeclaration(uuid: string): Promise<void> {
    await this.redis.hdel(this.k.declarations, uuid);
  }

  async setStatus(uuid: string, status: Partial<SharedMappingStatus>): Promise<void> {
    const key = this.keys.status(uuid);
    const set = Object.entries(status).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const cleared = Object.entries(status).filter(([, value]) => value === undefined).map(([field]) => field);
    const transaction = this.redis.multi();
    if (set.length > 0) transaction.hset(key, Object.fromEntries(set));
    if (cleared.length > 0) transaction.hdel(key, ...cleared);
    await transaction.exec();
  }

  async status(uuid: string): Promise<Partial<SharedMappingStatus>> {
    const fields = await this.redis.hgetall(this.keys.status(uuid));
    return {
      ...(fields.lastProcessingResult ? { lastProcessingResult: fields.lastProcessingResult } : {}),
      ...(fields.sourceProblem ? { sourceProblem: fields.sourceProblem } : {}),
      ...(fields.destinationProblem ? { destinationProblem: fields.destinationProblem } : {}),
    };
  }
}

function parseRecord(body: string, state: string, revision: string): StoredMapping {
  const parsed = JSON.parse(body) as RecordBody;
  return { ...parsed, state: state as MappingState, revision: Number(revision) };
}
