/**
 * Every Redis key name the service uses, in one place. All keys start with the configured prefix and use a
 * `{mappingUuid}` hash tag, so one mapping's keys live in one slot of a Redis Cluster and its Lua scripts
 * may touch them together.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  private mapping(uuid: string): string {
    return `${this.prefix}:esm:{${uuid}}`;
  }

  /** Hash: owner, counter (fencing token), expiresAt of the lease on one shard. */
  lease(uuid: string, shardId: string): string {
    return `${this.mapping(uuid)}:lease:${shardId}`;
  }

  /** Set of shard ids that have a lease key for this mapping (for balancing and listing). */
  leaseIndex(uuid: string): string {
    return `${this.mapping(uuid)}:leases`;
  }

  /** Hash: sequence number (and shard-end marker) of the checkpoint of one shard. */
  checkpoint(uuid: string, shardId: string): string {
    return `${this.mapping(uuid)}:checkpoint:${shardId}`;
  }

  /** Sorted set of live workers of a mapping, scored by heartbeat expiry (epoch ms). */
  workers(uuid: string): string {
    return `${this.mapping(uuid)}:workers`;
  }

  /** Hash: LastProcessingResult and other status fields of a mapping. */
  status(uuid: string): string {
    return `${this.mapping(uuid)}:status`;
  }

  /** BullMQ queue name (BullMQ adds its own prefix and suffixes) for failure records. */
  get failureQueueName(): string {
    return 'on-failure-destinations';
  }

  /** BullMQ queue name of asynchronous invocations (InvocationType Event). */
  get asyncQueueName(): string {
    return 'async-invocations';
  }

  /** Hash: function name → its event invoke config (JSON), as set by the file or the API. */
  get eventInvokeConfigs(): string {
    return `${this.prefix}:async:event-invoke-configs`;
  }

  /** Prefix handed to BullMQ so its keys sit under ours. */
  get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
