import type { CheckpointStore } from '../checkpoints/checkpoint-store.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { RedisKeys } from '../redis/keys.js';
import type { AwsClientFactory } from '../aws/client-factory.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { LambdaFunction } from '../functions/lambda-function.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { MappingStatus } from './mapping-status.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { OnFailureDestinations } from '../destinations/on-failure-destination.js';
import type { FleetSlots } from '../concurrency/fleet-slots.js';
import type { MappingJournal } from '../journal/journal-entry.js';
import type { ActivityRegistry } from '../idle/activity-registry.js';

/**
 * A poller runs one event source mapping: it reads the source, batches, invokes the function and settles
 * each batch. `start()` resolves once polling has begun (or rejects with an `InvalidParameterValueException`
 * style error when the source is unusable); `stop()` is awaitable and idempotent: it stops new reads, aborts
 * parked long polls, lets in-flight batches finish until `drainTimeoutMs`, then releases what it holds.
 */
export type Poller = Lifecycle;

/** What the composition root hands every poller. */
export interface PollerContext {
  readonly mapping: EventSourceMapping;
  /** The function behind the mapping, with its concurrency accounting and ARN. */
  readonly fn: LambdaFunction;
  readonly aws: AwsClientFactory;
  /** Key names (the mapping's fleet-wide concurrency slots). */
  readonly keys: RedisKeys;
  /** Stream mappings: where the shards' checkpoints are kept (fenced by the leases). */
  readonly checkpoints: CheckpointStore;
  /** Stream mappings: the shards' leases. */
  readonly leases: LeaseStore;
  readonly metrics: Metrics;
  /** Already bound to `esmUuid`, `function` and `source`. */
  readonly logger: Logger;
  readonly status: MappingStatus;
  /** Unique id of this service process (lease owner, worker id). */
  readonly workerId: string;
  /** How long `stop()` waits for in-flight invocations before giving up on them. */
  readonly drainTimeoutMs: number;
  /** Durable queue of failure records for stream mappings with `DestinationConfig.OnFailure`. */
  readonly destinations: OnFailureDestinations;
  /** Live replicas of the fleet, this one included: a fleet-wide minimum is shared among them. */
  readonly fleetSize: () => number;
  /** Concurrency limits shared by the fleet (SQS `ScalingConfig.MaximumConcurrency`). */
  readonly slots: FleetSlots;
  /** Streams: pause between polls of a shard that is caught up (AWS: 1 s). */
  readonly streamIdlePollIntervalMs: number;
  /** Where each invocation and what followed it is recorded. @defaultValue a journal that keeps nothing */
  readonly journal?: MappingJournal;
  /** Where a polling poller registers what it still has to do (`POST /_esm/wait-idle`). */
  readonly activity?: ActivityRegistry;
}

export type PollerFactory = (context: PollerContext) => Poller;
