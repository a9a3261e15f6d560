import type { CheckpointStore } from '../../src/checkpoints/checkpoint-store.js';
import { RedisCheckpointStore } from '../../src/checkpoints/redis-checkpoint-store.js';
import { RedisLeaseStore } from '../../src/leases/redis-lease-store.js';
import { FleetSlots } from '../../src/concurrency/fleet-slots.js';
import { randomUUID } from 'node:crypto';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { DestinationQueue } from '../../src/destinations/destination-queue.js';
import type { OnFailureDestinations } from '../../src/destinations/on-failure-destination.js';
import type { Invoker } from '../../src/functions/invoker.js';
import { LambdaFunction } from '../../src/functions/lambda-function.js';
import type { EventSourceMapping, SourceKind } from '../../src/mappings/event-source-mapping.js';
import { MappingStatus } from '../../src/mappings/mapping-status.js';
import type { Poller, PollerContext, PollerFactory } from '../../src/mappings/poller.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createRedis, type Redis } from '../../src/redis/redis-connection.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { StreamPollerOptions } from '../../pollers/streams/stream-poller.js';
import type { TestServers } from './servers.js';
import { uniqueName } from './unique-name.js';

/** A stream poller built from real parts (Redis, SDK clients, metrics, a logger that keeps its lines). */
export interface PollerUnderTest {
  readonly poller: Poller;
  readonly context: PollerContext;
  readonly logs: Record<string, unknown>[];
  readonly metrics: Metrics;
  readonly status: MappingStatus;
}

export interface StreamPollerOptionsUnderTest {
  readonly workerId?: string;
  readonly destinations: OnFailureDestinations;
  readonly poller: StreamPollerOptions;
  readonly drainTimeoutMs?: number;
  readonly keys?: RedisKeys;
  readonly idlePollIntervalMs?: number;
  /** Replaces the Redis checkpoint store (to inject faults). */
  readonly checkpoints?: CheckpointStore;
}

/**
 * Mappings and pollers of one test file on the shared emulators and Redis, for one stream source: a unique Redis
 * prefix, AWS defaults in every mapping, everything stopped and closed by {@link close}.
 */
export class StreamPollerFixture {
  readonly aws: AwsClientFactory;
  readonly keys = new RedisKeys(uniqueName('t'));
  private readonly redisConnections: Redis[] = [];
  private readonly pollers: Poller[] = [];
  private readonly deliveries: DestinationQueue[] = [];

  constructor(
    readonly servers: TestServers,
    private readonly sourceKind: SourceKind,
    private readonly factory: (options: StreamPollerOptions) => PollerFactory,
    /** `AWS_ENDPOINT_URL_<SERVICE>` of the stream API; destinations always point at fauxqs. */
    streamEndpoint: Readonly<Record<string, string>>,
  ) {
    this.aws = new AwsClientFactory({
      ...streamEndpoint,
      AWS_ENDPOINT_URL_SQS: servers.fauxqsEndpoint,
      AWS_ENDPOINT_URL_SNS: servers.fauxqsEndpoint,
      AWS_ENDPOINT_URL_S3: servers.fauxqsEndpoint,
      AWS_REGION: servers.region,
    });
  }

  /** A mapping with AWS's stream defaults. */
  mapping(streamArn: string, overrides: Partial<EventSourceMapping> = {}): EventSourceMapping {
    return {
      UUID: randomUUID(),
      FunctionName: 't-fn',
      EventSourceArn: streamArn,
      sourceKind: this.sourceKind,
      fifo: false,
      Enabled: true,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0,
      ...overrides,
    };
  }

  /** Builds (does not start) a poller for `mapping` around `invoker`. */
  protected build(mapping: EventSourceMapping, invoker: Invoker, options: StreamPollerOptionsUnderTest): PollerUnderTest {
    const logs: Record<string, unknown>[] = [];
    const logger: Logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new Metrics({ collectProcessMetrics: false });
    const redis = createRedis(this.servers.redisUrl, logger, 't-test');
    this.redisConnections.push(redis);
    const fn = new LambdaFunction(
      { name: mapping.FunctionName, target: { type: 'url', url: 'http://127.0.0.1:9/' }, timeoutSeconds: 3, memorySizeMb: 128 },
      `arn:aws:lambda:us-east-1:000000000000:function:${mapping.FunctionName}`,
      invoker,
      metrics,
    );
    const status = new MappingStatus();
    const context: PollerContext = {
      mapping,
      fn,
      aws: this.aws,
      keys: options.keys ?? this.keys,
      checkpoints: options.checkpoints ?? new RedisCheckpointStore(redis, options.keys ?? this.keys, mapping.UUID),
      leases: new RedisLeaseStore(redis, options.keys ?? this.keys, mapping.UUID),
      metrics,
      logger: logger.child({ esmUuid: mapping.UUID }),
      status,
      workerId: options.workerId ?? uniqueName('worker'),
      drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
      destinations: options.destinations,
      fleetSize: () => 1,
      slots: new FleetSlots(redis, 'stream-fixture', logger),
      streamIdlePollIntervalMs: options.idlePollIntervalMs ?? 100,
    };
    const poller = this.factory(options.poller)(context);
    this.pollers.push(poller);
    return { poller, context, logs, metrics, status };
  }

  /**
   * Real on-failure delivery: BullMQ under this fixture's Redis prefix, delivering to fauxqs with a short backoff.
   * Stopped by {@link close} after the pollers.
   */
  async startDestinations(): Promise<{ destinations: DestinationQueue; metrics: Metrics }> {
    const metrics = new Metrics({ collectProcessMetrics: false });
    const destinations = new DestinationQueue({
      redis: { url: this.servers.redisUrl },
      keys: this.keys,
      aws: this.aws,
      metrics,
      logger: createLogger('silent'),
      backoffMs: 100,
    });
    await destinations.start();
    this.deliveries.push(destinations);
    return { destinations, metrics };
  }

  /** Stops every poller built here, then the destinations, and closes the connections. */
  async close(): Promise<void> {
    await Promise.all(this.pollers.map((poller) => poller.stop()));
    await Promise.all(this.deliveries.map((destinations) => destinations.stop()));
    for (const redis of this.redisConnections) redis.disconnect();
    this.aws.destroy();
  }
}
