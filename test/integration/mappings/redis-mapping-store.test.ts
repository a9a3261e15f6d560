import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { RedisMappingStore } from '../../../src/mappings/redis-mapping-store.js';
import { MappingConflictError, MappingRevisionConflictError, type MappingRecordInput } from '../../../src/mappings/mapping-store.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { mappingUuid } from '../../../src/mappings/mapping-uuid.js';
import { uniqueName } from '../../harness/unique-name.js';

const servers = inject('servers');

function sqsMapping(functionName: string, queue: string, overrides: Partial<EventSourceMapping> = {}): EventSourceMapping {
  const EventSourceArn = `arn:aws:sqs:us-east-1:000000000000:${queue}`;
  return {
    UUID: mappingUuid(functionName, EventSourceArn),
    FunctionName: functionName,
    EventSourceArn,
    sourceKind: 'sqs',
    fifo: false,
    Enabled: true,
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 0,
    FunctionResponseTypes: [],
    ...overrides,
  };
}

function record(mapping: EventSourceMapping, overrides: Partial<MappingRecordInput> = {}): MappingRecordInput {
  return { mapping, state: 'Creating', stateTransitionReason: 'USER_INITIATED', lastModifiedMs: 1_700_000_000_123, tags: {}, ...overrides };
}

describe('Redis mapping store', () => {
  let redis: Redis;
  let store: RedisMappingStore;

  beforeAll(() => {
    redis = createRedis(servers.redisUrl, createLogger('silent'));
    store = new RedisMappingStore(redis, new RedisKeys(uniqueName('t-mappings')));
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it('creates, reads back exactly, and refuses a second mapping of the same function and source', async () => {
    const mapping = sqsMapping('fn-a', uniqueName('q'));
    const before = await store.changeCounter();
    const created = await store.create(record(mapping, { tags: { team: 'a' } }));
    expect(created.revision).toBe(1);
    expect(await store.get(mapping.UUID)).toEqual(created);
    expect(await store.changeCounter()).toBe(before + 1);

    const duplicate = { ...mapping, UUID: '11111111-2222-4333-8444-555555555555' };
    await expect(store.create(record(duplicate))).rejects.toEqual(new MappingConflictError(mapping.UUID));
    await expect(store.create(record(mapping))).rejects.toBeInstanceOf(MappingConflictError);
  });

  it('replaces only at the revision read, and keeps the pair index in step with FunctionName', async () => {
    const queue = uniqueName('q');
    const a = await store.create(record(sqsMapping('fn-a', queue)));
    const b = await store.create(record(sqsMapping('fn-b', queue)));

    const updated = await store.replace(a.mapping.UUID, 1, record({ ...a.mapping, BatchSize: 5 }, { state: 'Updating' }));
    expect(updated).toMatchObject({ revision: 2, state: 'Updating', mapping: { BatchSize: 5 } });
    await expect(store.replace(a.mapping.UUID, 1, record(a.mapping))).rejects.toBeInstanceOf(MappingRevisionConflictError);
    // Renaming a's function to b's would make two mappings of one pair.
    await expect(store.replace(a.mapping.UUID, 2, record({ ...a.mapping, FunctionName: 'fn-b' }))).rejects.toEqual(new MappingConflictError(b.mapping.UUID));
    await store.replace(a.mapping.UUID, 2, record({ ...a.mapping, FunctionName: 'fn-c' }));
    // The old pair is free again.
    await store.create(record({ ...a.mapping, UUID: '21111111-2222-4333-8444-555555555555' }));
    expect(await store.replace('31111111-2222-4333-8444-555555555555', 1, record(a.mapping))).toBeUndefined();
  });

  it('lists by function or source in UUID order, a page at a time', async () => {
    const fn = uniqueName('fn');
    const created = [];
    for (let i = 0; i < 5; i += 1) created.push(await store.create(record(sqsMapping(fn, uniqueName('q')))));
    const uuids = created.map((r) => r.mapping.UUID).sort();

    const first = await store.list({ functionName: fn, maxItems: 2 });
    expect(first.items.map((r) => r.mapping.UUID)).toEqual(uuids.slice(0, 2));
    const second = await store.list({ functionName: fn, maxItems: 2, marker: first.nextMarker });
    expect(second.items.map((r) => r.mapping.UUID)).toEqual(uuids.slice(2, 4));
    const last = await store.list({ functionName: fn, maxItems: 2, marker: second.nextMarker });
    expect(last).toEqual({ items: [expect.objectContaining({ mapping: expect.objectContaining({ UUID: uuids[4] }) })] });
    const bySource = await store.list({ eventSourceArn: created[3]!.mapping.EventSourceArn, maxItems: 100 });
    expect(bySource.items.map((r) => r.mapping.UUID)).toEqual([created[3]!.mapping.UUID]);
  });

  it('ends a transition once every live replica applied the revision, and removes a deleted record', async () => {
    const fleet = new RedisMappingStore(redis, new RedisKeys(uniqueName('t-fleet')));
    await fleet.heartbeat('w1', 10_000);
    await fleet.heartbeat('w2', 10_000);
    await fleet.heartbeat('gone', -1); // already expired: a dead replica never blocks a transition
    const mapping = sqsMapping('fn', uniqueName('q'));
    await fleet.create(record(mapping));

    expect(await fleet.acknowledge(mapping.UUID, 1, 'w1')).toBe('pending');
    expect((await fleet.get(mapping.UUID))?.state).toBe('Creating');
    expect(await fleet.acknowledge(mapping.UUID, 1, 'w2')).toBe('settled');
    expect((await fleet.get(mapping.UUID))?.state).toBe('Enabled');

    await fleet.replace(mapping.UUID, 1, record({ ...mapping, Enabled: false }, { state: 'Disabling' }));
    expect(await fleet.acknowledge(mapping.UUID, 1, 'w1')).toBe('pending'); // an old revision does not count
    expect(await fleet.acknowledge(mapping.UUID, 2, 'w1')).toBe('pending');
    await fleet.leave('w2');
    expect(await fleet.acknowledge(mapping.UUID, 2, 'w1')).toBe('settled');
    expect((await fleet.get(mapping.UUID))?.state).toBe('Disabled');

    await fleet.replace(mapping.UUID, 2, record({ ...mapping, Enabled: false }, { state: 'Deleting' }));
    expect(await fleet.acknowledge(mapping.UUID, 3, 'w1')).toBe('deleted');
    expect(await fleet.get(mapping.UUID)).toBeUndefined();
    expect(await fleet.acknowledge(mapping.UUID, 3, 'w1')).toBe('missing');
    // The pair is free for a new mapping.
    await fleet.create(record({ ...mapping, UUID: '41111111-2222-4333-8444-555555555555' }));
  });

  it('applies a configuration declaration once per content, leaving API changes standing otherwise', async () => {
    const fleet = new RedisMappingStore(redis, new RedisKeys(uniqueName('t-declare')));
    const mapping = sqsMapping('fn', uniqueName('q'));
    const declared = { mapping, stateTransitionReason: 'USER_INITIATED', lastModifiedMs: 1, tags: {} };

    expect(await fleet.declare(declared, 'h1')).toBe(true);
    expect(await fleet.get(mapping.UUID)).toMatchObject({ state: 'Creating', revision: 1 });
    expect(await fleet.declare(declared, 'h1')).toBe(false);

    await fleet.replace(mapping.UUID, 1, record({ ...mapping, BatchSize: 3 }, { state: 'Updating' }));
    expect(await fleet.declare(declared, 'h1')).toBe(false);
    expect((await fleet.get(mapping.UUID))?.mapping.BatchSize).toBe(3);

    expect(await fleet.declare({ ...declared, mapping: { ...mapping, Enabled: false } }, 'h2')).toBe(true);
    expect(await fleet.get(mapping.UUID)).toMatchObject({ state: 'Disabling', revision: 3, mapping: { BatchSize: 10, Enabled: false } });
  });

  it('shares a mapping status: a field given as undefined is cleared, the others stay', async () => {
    const uuid = '51111111-2222-4333-8444-555555555555';
    expect(await store.status(uuid)).toEqual({});
    await store.setStatus(uuid, { lastProcessingResult: 'PROBLEM: Source not found: gone', sourceProblem: 'PROBLEM: Source not found: gone' });
    await store.setStatus(uuid, { destinationProblem: 'PROBLEM: On-failure destination delivery failed: x' });
    expect(await store.status(uuid)).toEqual({
      lastProcessingResult: 'PROBLEM: Source not found: gone',
      sourceProblem: 'PROBLEM: Source not found: gone',
      destinationProblem: 'PROBLEM: On-failure destination delivery failed: x',
    });
    await store.setStatus(uuid, { lastProcessingResult: 'OK', sourceProblem: undefined });
    expect(await store.status(uuid)).toEqual({ lastProcessingResult: 'OK', destinationProblem: 'PROBLEM: On-failure destination delivery failed: x' });
  });
});
