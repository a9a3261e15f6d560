import { setTimeout as delay } from 'node:timers/promises';
import type { FaultSource } from './fault-sources.js';

/**
 * Pushes `perRound` records to a source every `intervalMs` until stopped, keeping the ids the source accepted
 * in push order. A failed push (the emulator busy) is counted and skipped: its ids are not expected.
 */
export class Traffic {
  readonly pushed: string[] = [];
  failedPushes = 0;
  private readonly stopper = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly source: FaultSource,
    private readonly perRound: number,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      try {
        this.pushed.push(...(await this.source.push(this.perRound)));
      } catch {
        this.failedPushes++;
      }
      await delay(this.intervalMs, undefined, { signal: this.stopper.signal }).catch(() => undefined);
    }
  }

  /** Stops pushing and waits for the push under way; returns every id pushed. */
  async stop(): Promise<string[]> {
    this.stopper.abort();
    await this.loop;
    return this.pushed;
  }
}
