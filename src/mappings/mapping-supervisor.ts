import type { Logger } from '../observability/logger.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { MappingStore, StoredMapping } from './mapping-store.js';
import { isTransitional } from './mapping-state.js';
import { MappingStatus } from './mapping-status.js';
import { MappingRunner, type Applied } from './mapping-runner.js';
import type { Poller } from './poller.js';
import { once, settlesWithin } from '../runtime/lifecycle.js';
import { sleep } from '../runtime/backoff.js';
import { randomUUID } from 'node:crypto';

/** How often the store's change counter is read: a change made on any replica is applied within about this. */
export const CHANGE_POLL_INTERVAL_MS = 250;
/** How often every record is read even without a change (retries, transitions waiting for other replicas). */
export const FULL_RESYNC_INTERVAL_MS = 2_000;
/** A replica announces itself this often … */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** … and counts as gone this long after its last announcement (transitions stop waiting for it). */
export const HEARTBEAT_TTL_MS = 5_000;
/** Longest wait for the store to hear that a stopping replica leaves. */
const LEAVE_TIMEOUT_MS = 5_000;

export interface MappingSupervisorOptions {
  readonly store: MappingStore;
  readonly workerId: string;
  /** Builds the poller of a mapping; undefined when its function is not configured on this replica. */
  readonly createPoller: (mapping: EventSourceMapping, status: MappingStatus) => Poller | undefined;
  readonly logger: Logger;
  /** Called once the store reported a mapping deleted everywhere: removes its leases, checkpoints and status. */
  readonly purge: (uuid: string) => Promise<void>;
  /**
   * Called when Redis lost data (the fleet marker vanished or changed), before the known records are written
   * back: marks the mappings' stream positions lost, so no shard restarts at LATEST over unprocessed records.
   */
  readonly dataLost: (known: readonly StoredMapping[]) => Promise<void>;
}

/**
 * Keeps this replica's pollers in step with the fleet's mapping store. The loop, every
 * {@link CHANGE_POLL_INTERVAL_MS}:
 *
 *   heartbeat (when due) → read the change counter → on a change (or every FULL_RESYNC_INTERVAL_MS) read all
 *   records → hand each runner its record → acknowledge what was applied → purge mappings deleted everywhere
 *
 * Runners apply changes in the background (a stop can drain for up to the drain deadline), so one slow mapping
 * never holds up the others. Acknowledgements end transitional states once every live replica applied them.
 */
export class MappingSupervisor {
  private readonly runners = new Map<string, MappingRunner>();
  /** revision/state last handed to each runner. */
  private readonly seen = new Map<string, string>();
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private lastCounter = -1;
  private lastFullSyncMs = 0;
  private lastHeartbeatMs = 0;
  private liveReplicas = 1;
  /** The fleet marker this replica saw in Redis (see MappingStore.establishFleetMarker). */
  private fleetMarker: string | undefined;

  constructor(private readonly options: MappingSupervisorOptions) {}

  /** Live replicas of the fleet, this one included (refreshed with every heartbeat). */
  get fleetSize(): number {
    return this.liveReplicas;
  }

  /** Every mapping this replica knows, with its local status. */
  mappings(): { record: StoredMapping; status: MappingStatus }[] {
    return [...this.runners.values()].flatMap((runner) => (runner.record ? [{ record: runner.record, status: runner.status }] : []));
  }

  /**
   * Joins the fleet and applies every record once, waiting for the pollers to start; resolves with the starts
   * that failed (uuid → error), then keeps reconciling in the background.
   */
  async start(): Promise<Map<string, Error>> {
    this.fleetMarker = await this.options.store.establishFleetMarker(newFleetMarker());
    await this.heartbeat();
    const applied = await this.reconcile(true);
    await this.reconcile(true); // picks up the states the first round's acknowledgements settled
    const failures = new Map<string, Error>();
    for (const [uuid, result] of applied) if (result.startError) failures.set(uuid, result.startError);
    this.loop = this.run();
    return failures;
  }

  /** Stops reconciling, drains every poller, then leaves the fleet so transitions stop waiting for this replica. */
  readonly stop = once(async (): Promise<void> => {
    this.stopController.abort();
    await this.loop;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    // Redis may be unreachable at shutdown; the heartbeat then simply expires.
    const leaving = this.options.store.leave(this.options.workerId);
    leaving.catch((err: unknown) => this.options.logger.warn({ err }, 'fleet_leave_failed'));
    if (!(await settlesWithin(leaving, LEAVE_TIMEOUT_MS))) this.options.logger.warn({}, 'fleet_leave_timed_out');
  });

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (await sleep(CHANGE_POLL_INTERVAL_MS, signal)) {
      try {
        if (Date.now() - this.lastHeartbeatMs >= HEARTBEAT_INTERVAL_MS) await this.heartbeat();
        await this.reconcile(false);
      } catch (err) {
        this.options.logger.warn({ err }, 'mapping_reconcile_failed');
      }
    }
  }

  private async heartbeat(): Promise<void> {
    await this.options.store.heartbeat(this.options.workerId, HEARTBEAT_TTL_MS);
    this.lastHeartbeatMs = Date.now();
    this.liveReplicas = Math.max(1, await this.options.store.liveReplicas());
  }

  /**
   * Hands every changed record to its runner. With `waitForAll`, waits for every application (start); otherwise
   * acknowledgements follow each application in the background.
   */
  private async reconcile(waitForAll: boolean): Promise<Map<string, Applied>> {
    const { store } = this.options;
    const now = Date.now();
    const counter = await store.changeCounter();
    const retries = [...this.runners.values()].filter((runner) => runner.retryDue(now));
    const resync = now - this.lastFullSyncMs >= FULL_RESYNC_INTERVAL_MS;
    if (counter === this.lastCounter && !resync && retries.length === 0) return new Map();
    this.lastCounter = counter;
    this.lastFullSyncMs = now;

    const { records, fleetMarker } = await store.snapshot();
    if (fleetMarker !== this.fleetMarker) {
      await this.recoverFromDataLoss(fleetMarker);
      return new Map();
    }
    const present = new Set(records.map((record) => record.mapping.UUID));
    const work: Promise<readonly [string, Applied]>[] = [];
    for (const record of records) {
      const uuid = record.mapping.UUID;
      const version = `${record.revision}/${record.state}`;
      const runner = this.runnerOf(uuid);
      if (this.seen.get(uuid) !== version || runner.retryDue(now)) {
        this.seen.set(uuid, version);
        work.push(this.applyAndAcknowledge(runner, record));
      } else if (isTransitional(record.state)) {
        // Applied here already; the transition may be waiting for a replica that has since left.
        work.push(this.acknowledge(uuid, record.revision).then(() => [uuid, { revision: record.revision }] as const));
      }
    }
    for (const [uuid, runner] of this.runners) {
      if (present.has(uuid)) continue;
      this.runners.delete(uuid);
      this.seen.delete(uuid);
      void runner.stop().catch((err: unknown) => this.options.logger.error({ err, esmUuid: uuid }, 'mapping_stop_failed'));
    }
    if (!waitForAll) {
      for (const item of work) item.catch((err: unknown) => this.options.logger.warn({ err }, 'mapping_apply_failed'));
      return new Map();
    }
    return new Map(await Promise.all(work));
  }

  /**
   * Redis lost data: the mapping records, checkpoints and leases may be gone. Every record this replica knows is
   * written back as it was (every replica does the same; the first write wins), after the mappings' positions
   * are marked lost; then a new marker is set. Pollers go on; shards whose checkpoints are gone replay from
   * TRIM_HORIZON.
   */
  private async recoverFromDataLoss(found: string | undefined): Promise<void> {
    const known = [...this.runners.values()].flatMap((runner) => (runner.record ? [runner.record] : []));
    this.options.logger.error(
      { expectedMarker: this.fleetMarker, foundMarker: found ?? null, mappings: known.length },
      'redis_data_loss_detected: the fleet marker is gone or replaced; writing back the known mappings and replaying lost stream positions from TRIM_HORIZON',
    );
    await this.options.dataLost(known);
    let restored = 0;
    for (const record of known) if (await this.options.store.restore(record)) restored += 1;
    this.fleetMarker = await this.options.store.establishFleetMarker(newFleetMarker());
    this.lastCounter = -1;
    this.options.logger.warn({ restored, known: known.length }, 'mappings_restored');
  }

  private runnerOf(uuid: string): MappingRunner {
    let runner = this.runners.get(uuid);
    if (!runner) {
      const logger = this.options.logger.child({ esmUuid: uuid });
      const status = new MappingStatus((result, sourceProblem) => {
        this.options.store.setStatus(uuid, { lastProcessingResult: result, sourceProblem }).catch((err: unknown) => logger.warn({ err }, 'status_write_failed'));
      });
      runner = new MappingRunner(uuid, { createPoller: this.options.createPoller, status, logger });
      this.runners.set(uuid, runner);
    }
    return runner;
  }

  private async applyAndAcknowledge(runner: MappingRunner, record: StoredMapping): Promise<readonly [string, Applied]> {
    const applied = await runner.want(record);
    if (!this.stopController.signal.aborted) await this.acknowledge(runner.uuid, applied.revision);
    return [runner.uuid, applied] as const;
  }

  private async acknowledge(uuid: string, revision: number): Promise<void> {
    const result = await this.options.store.acknowledge(uuid, revision, this.options.workerId);
    if (result === 'settled' || result === 'deleted') this.lastCounter = -1; // read the new state at the next round
    if (result === 'deleted') {
      await this.options.purge(uuid);
      this.options.logger.info({ esmUuid: uuid }, 'mapping_deleted');
    }
  }
}

/** A marker value no replica will ever write again: the time it was made and a random part. */
function newFleetMarker(): string {
  return `${new Date().toISOString()} ${randomUUID()}`;
}
