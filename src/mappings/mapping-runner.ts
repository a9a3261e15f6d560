import type { Logger } from '../observability/logger.js';
import type { Poller } from './poller.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { StoredMapping } from './mapping-store.js';
import { runsPollers } from './mapping-state.js';
import { MappingStatus, sourceProblem } from './mapping-status.js';
import { exponentialDelayMs, type ExponentialBackoff } from '../runtime/backoff.js';

/** Backoff between attempts to start a poller whose source refused it or could not be reached. */
const START_RETRY_BACKOFF: ExponentialBackoff = { baseMs: 2_000, maxMs: 60_000, jitter: 0.2 };

/** What the runner needs from the composition root. */
export interface MappingRunnerContext {
  /** Builds the poller of a mapping (undefined when its function is not configured on this replica). */
  readonly createPoller: (mapping: EventSourceMapping, status: MappingStatus) => Poller | undefined;
  readonly status: MappingStatus;
  readonly logger: Logger;
}

/** The result of applying one record on this replica. */
export interface Applied {
  readonly revision: number;
  /** Why the pollers that should run do not (the source refused the mapping, …). */
  readonly startError?: Error;
}

/**
 * The pollers of one mapping on this replica. `want(record)` says what the store holds now; the runner applies
 * the newest wish, one change at a time: a running poller whose configuration changed is stopped (it drains)
 * and started again (stream checkpoints are kept), one that should no longer run is stopped, and a start the
 * source refused is retried with backoff. Each application returns what it did, for the supervisor to
 * acknowledge.
 */
export class MappingRunner {
  private poller: Poller | undefined;
  private runningConfig: string | undefined;
  private wanted: StoredMapping | undefined;
  private applying: Promise<Applied> | undefined;
  private startFailures = 0;
  private retryAtMs = 0;
  private lastApplied: Applied | undefined;

  constructor(
    readonly uuid: string,
    private readonly context: MappingRunnerContext,
  ) {}

  /** The record last asked for (undefined once the mapping is gone from the store). */
  get record(): StoredMapping | undefined {
    return this.wanted;
  }

  get status(): MappingStatus {
    return this.context.status;
  }

  /** True when a poller start failed and its retry time has come. */
  retryDue(nowMs: number): boolean {
    return this.lastApplied?.startError !== undefined && nowMs >= this.retryAtMs;
  }

  /**
   * Applies `record` (undefined: the mapping was deleted) after whatever is being applied now; concurrent calls
   * coalesce into one application of the newest record.
   */
  want(record: StoredMapping | undefined): Promise<Applied> {
    this.wanted = record;
    this.applying ??= this.applyNewest().finally(() => (this.applying = undefined));
    return this.applying;
  }

  /** Stops the poller (drains in-flight work). */
  async stop(): Promise<void> {
    this.wanted = undefined;
    await this.applying;
    await this.stopPoller();
  }

  private async applyNewest(): Promise<Applied> {
    let applied: Applied;
    let record: StoredMapping | undefined;
    do {
      record = this.wanted;
      applied = await this.apply(record);
    } while (record !== this.wanted);
    this.lastApplied = applied;
    return applied;
  }

  private async apply(record: StoredMapping | undefined): Promise<Applied> {
    const revision = record?.revision ?? 0;
    const desired = record && runsPollers(record.state, record.mapping.Enabled) ? record.mapping : undefined;
    const config = desired ? JSON.stringify(desired) : undefined;
    if (this.poller && config !== this.runningConfig) await this.stopPoller();
    if (!desired || this.poller) return { revision };

    const poller = this.context.createPoller(desired, this.context.status);
    if (!poller) {
      // Replicas may serve different functions: the replica that has this one runs it (and reports its status).
      this.context.logger.debug({ function: desired.FunctionName }, 'mapping_function_not_configured');
      return { revision };
    }
    try {
      await poller.start();
    } catch (err) {
      const startError = err instanceof Error ? err : new Error(String(err));
      await poller.stop().catch(() => undefined);
      this.startFailures += 1;
      this.retryAtMs = Date.now() + exponentialDelayMs(START_RETRY_BACKOFF, this.startFailures);
      this.context.status.sourceFailed(sourceProblem(startError.message));
      this.context.logger.warn({ err: startError, attempt: this.startFailures }, 'mapping_start_failed');
      return { revision, startError };
    }
    this.poller = poller;
    this.runningConfig = config;
    this.startFailures = 0;
    this.context.logger.info({ eventSourceArn: desired.EventSourceArn, revision }, 'mapping_started');
    return { revision };
  }

  private async stopPoller(): Promise<void> {
    const poller = this.poller;
    if (!poller) return;
    this.poller = undefined;
    this.runningConfig = undefined;
    await poller.stop();
    this.context.logger.info({}, 'mapping_stopped');
  }
}
