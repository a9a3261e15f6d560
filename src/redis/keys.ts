/**
 * Every Redis key name the service uses, in one place. All keys start with the configured prefix and use a
 * `{mappingUuid}` hash tag, so one mapping's keys live in one slot of a Redis Cluster and its Lua scripts
 * may touch them together.
 */
export class RedisKeys {
  constructor(
    readonly prefix: string,
    private readonly options: { readonly cluster?: boolean } = {},
  ) {}

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

  /** String: set when the mapping's pollers start; its disappearance means Redis lost the mapping's positions. */
  mappingStarted(uuid: string): string {
    return `${this.mapping(uuid)}:started`;
  }

  /** String: epoch ms when the mapping's positions were found lost; shards without checkpoint then replay. */
  positionsLost(uuid: string): string {
    return `${this.mapping(uuid)}:positions-lost`;
  }

  /** Sorted set of live workers of a mapping, scored by heartbeat expiry (epoch ms). */
  workers(uuid: string): string {
    return `${this.mapping(uuid)}:workers`;
  }

  /** Hash: LastProcessingResult and other status fields of a mapping. */
  status(uuid: string): string {
    return `${this.mapping(uuid)}:status`;
  }

  /** Sorted set: the fleet-wide concurrency slots of one mapping (ScalingConfig.MaximumConcurrency). */
  mappingSlots(uuid: string): string {
    return `${this.mapping(uuid)}:slots`;
  }

  /** Sorted set: the fleet-wide concurrency slots of one function (reservedConcurrency). */
  functionSlots(functionName: string): string {
    return `${this.prefix}:fn:{${functionName}}:slots`;
  }

  /** String: the faults injected into one function's invocations (JSON), shared by the fleet. */
  functionFaults(functionName: string): string {
    return `${this.prefix}:fn:{${functionName}}:faults`;
  }

  /** String: how many more invocations the function's faults cover, when they were set with a count. */
  functionFaultsRemaining(functionName: string): string {
    return `${this.prefix}:fn:{${functionName}}:faults:remaining`;
  }

  /** Pattern matching every key of one mapping (for removing them when the mapping is deleted). */
  mappingKeysPattern(uuid: string): string {
    return `${this.mapping(uuid)}:*`;
  }

  /**
   * Keys of the mapping store, shared by the fleet. They carry one `{mappings}` hash tag so that the store's
   * scripts may touch them together in a Redis Cluster.
   */
  get mappingStore(): MappingStoreKeys {
    const base = `${this.prefix}:{mappings}`;
    return {
      records: `${base}:records`,
      states: `${base}:states`,
      revisions: `${base}:revisions`,
      pairs: `${base}:pairs`,
      changes: `${base}:changes`,
      replicas: `${base}:replicas`,
      declarations: `${base}:declarations`,
      fleetMarker: `${base}:fleet-marker`,
      acks: (uuid: string) => `${base}:acks:${uuid}`,
    };
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

  /**
   * Prefix handed to BullMQ so its keys sit under ours. In a Redis Cluster it is a hash tag, as BullMQ requires:
   * a queue's scripts touch many of its keys at once, so they must share one slot.
   */
  get bullPrefix(): string {
    return this.options.cluster ? `{${this.prefix}:bull}` : `${this.prefix}:bull`;
  }
}

/** Keys of the mapping store (see RedisMappingStore). */
export interface MappingStoreKeys {
  /** Hash: uuid → JSON body (configuration, tags, state reason, last modified). */
  readonly records: string;
  /** Hash: uuid → State. */
  readonly states: string;
  /** Hash: uuid → revision (grows at every change of the record). */
  readonly revisions: string;
  /** Hash: "FunctionName\nEventSourceArn" → uuid (one mapping per pair). */
  readonly pairs: string;
  /** Counter bumped by every write; supervisors poll it. */
  readonly changes: string;
  /** Sorted set: worker id → heartbeat expiry (epoch ms, Redis clock). */
  readonly replicas: string;
  /** Hash: uuid → hash of the configuration-file declaration last applied. */
  readonly declarations: string;
  /** String written once by the first replica; a replica that finds it gone or changed knows Redis lost data. */
  readonly fleetMarker: string;
  /** Hash per mapping: worker id → revision that worker applied. */
  acks(uuid: string): string;
}
