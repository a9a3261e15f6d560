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
  /** Set while paused: the loop waits for it; resolving it resumes. */
  private paused: { readonly resumed: Promise<void>; resume(): void; readonly idle: Promise<void>; idleNow(): void } | undefined;

  constructor(
    private readonly source: FaultSource,
    private readonly perRound: number,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      const paused = this.paused;
      if (paused) {
        paused.idleNow();
        await paused.resumed;
        continue;
      }
      try {
        this.pushed.push(...(await this.source.push(this.perRound)));
      } catch {
        this.failedPushes++;
      }
      await delay(this.intervalMs, undefined, { signal: this.stopper.signal }).catch(() => undefined);
    }
  }

  /** Stops pushing until {@link resume}; resolves once the push under way has ended. */
  async pause(): Promise<void> {
    if (!this.paused) {
      let resume!: () => void;
      let idleNow!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      const idle = new Promise<void>((resolve) => (idleNow = resolve));
      this.paused = { resumed, resume, idle, idleNow };
      this.stopper.signal.addEventListener('abort', () => resume(), { once: true });
    }
    await Promise.race([this.paused.idle, this.loop]);
  }

  resume(): void {
    const paused = this.paused;
    this.paused = undefined;
    paused?.resume();
  }

  /** Stops pushing and waits for the push under way; returns every id pushed. */
  async stop(): Promise<string[]> {
    this.stopper.abort();
    await this.loop;
    return this.pushed;
  }
}
