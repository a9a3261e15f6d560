import { describe, expect, it } from 'vitest';
import type { ExecutionEnvironment, InitResult } from '../../../src/functions/execution-environment.js';
import { ASSUMED_START_MS, START_TO_WAIT_RATIO, WorkerPool } from '../../../src/functions/worker-pool.js';

/** A stand-in environment: ready at once (or when `ready` resolves), alive until terminated; `init` says how its start ends. */
function fakeEnvironment(id: number, ready: Promise<unknown> = Promise.resolve(), init: InitResult = { kind: 'ready' }): ExecutionEnvironment {
  let alive = true;
  return {
    id,
    ready: ready.then(() => init),
    get alive() {
      return alive;
    },
    unref() {},
    terminate() {
      alive = false;
      return Promise.resolve();
    },
  } as unknown as ExecutionEnvironment;
}

/** A pool of fake environments on a clock the test moves; fake environments start in 0 ms of that clock. */
function poolOfFakes(): { pool: WorkerPool; created: () => number; advance: (ms: number) => void } {
  let created = 0;
  let now = 0;
  const pool = new WorkerPool(() => fakeEnvironment(++created), 60_000, () => now);
  return { pool, created: () => created, advance: (ms) => (now += ms) };
}

async function take(pool: WorkerPool): Promise<ExecutionEnvironment> {
  const acquired = await pool.acquire();
  if (acquired.kind !== 'ready') throw new Error(`not ready: ${acquired.kind}`);
  return acquired.environment;
}

/** Resolves once `condition` holds; fails the test after a second. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 1 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** One invocation whose environment spent `runMs` on the event. */
async function invokeFor(pool: WorkerPool, runMs: number): Promise<void> {
  const environment = await take(pool);
  pool.release(environment, runMs);
}

describe('WorkerPool', () => {
  it('starts one environment per concurrent invocation while it knows nothing of their duration', async () => {
    const { pool, created } = poolOfFakes();
    const environments = await Promise.all([take(pool), take(pool), take(pool)]);
    expect(new Set(environments).size).toBe(3);
    expect(created()).toBe(3);
  });

  it('reuses the warmest idle environment', async () => {
    const { pool, created } = poolOfFakes();
    const [first, second] = await Promise.all([take(pool), take(pool)]);
    pool.release(first!);
    pool.release(second!);
    expect(await take(pool)).toBe(second);
    expect(created()).toBe(2);
  });

  it('after short invocations, hands a busy environment to the next invocation when it is released instead of starting one', async () => {
    const { pool, created } = poolOfFakes();
    await invokeFor(pool, 1);
    const busy = await take(pool);
    const waiting = take(pool);
    pool.release(busy);
    expect(await waiting).toBe(busy);
    expect(created()).toBe(1);
  });

  it('weighs a wait by the time the environment spent on the event, not by how long this thread took to see the answer', async () => {
    const { pool, created, advance } = poolOfFakes();
    const first = await take(pool);
    // Seen from here the invocation held its environment for half a start; inside it the handler ran 1 ms.
    advance(ASSUMED_START_MS / 2);
    pool.release(first, 1);
    const busy = await take(pool);
    const waiting = take(pool);
    pool.release(busy, 1);
    expect(await waiting).toBe(busy);
    expect(created()).toBe(1);
  });

  it('starts a new environment when no busy one is released within a tenth of a start', async () => {
    const { pool, created } = poolOfFakes();
    await invokeFor(pool, 1);
    const busy = await take(pool);
    const other = await take(pool);
    expect(other).not.toBe(busy);
    expect(created()).toBe(2);
  });

  it('queues invocations behind busy environments only while their expected wait stays within a tenth of a start', async () => {
    const { pool, created } = poolOfFakes();
    // Starting the fake took 0 ms: the average start time is now 80 ms, so expected waits up to 8 ms queue.
    await invokeFor(pool, 3);
    const busy = await take(pool);
    // Expected waits 3, 6, 9, 12 ms: the first two queue, the others start environments at once.
    const queued = Array.from({ length: 4 }, () => take(pool));
    const started = await Promise.all(queued.slice(2));
    expect(started).not.toContain(busy);
    expect(created()).toBe(3);
    pool.release(busy);
    expect(await queued[0]).toBe(busy);
  });

  it('starts a new environment at once when the expected wait is more than a tenth of what starting one takes', async () => {
    const { pool, created } = poolOfFakes();
    await invokeFor(pool, (ASSUMED_START_MS / START_TO_WAIT_RATIO) * 2);
    const busy = await take(pool);
    const waiting = take(pool);
    pool.release(busy);
    expect(await waiting).not.toBe(busy);
    expect(created()).toBe(2);
  });

  it('never hands out an environment that died while busy', async () => {
    const { pool, created } = poolOfFakes();
    await invokeFor(pool, 1);
    const busy = await take(pool);
    const waiting = take(pool);
    await busy.terminate();
    pool.release(busy);
    expect(await waiting).not.toBe(busy);
    expect(created()).toBe(2);
  });

  it('gives waiting invocations nothing once closed', async () => {
    const { pool, created } = poolOfFakes();
    await invokeFor(pool, 1);
    const busy = await take(pool);
    const waiting = pool.acquire();
    await pool.close();
    expect(busy.alive).toBe(false);
    // The waiter is let go with an error (the invoker reports it as an invoke error); no environment starts after close.
    await expect(waiting).rejects.toThrow(/closed/);
    expect(created()).toBe(1);
  });

  it('prepares one environment before any invocation; the first invocation takes it, and no second is prepared', async () => {
    const { pool, created } = poolOfFakes();
    pool.prepare();
    expect(created()).toBe(1);
    await until(() => pool.idleCount === 1);
    pool.prepare();
    const first = await take(pool);
    expect((first as unknown as { id: number }).id).toBe(1);
    pool.prepare();
    expect(created()).toBe(1);
  });

  it('an invocation that comes while the prepared environment starts waits for it rather than starting another', async () => {
    const starts: (() => void)[] = [];
    let created = 0;
    const pool = new WorkerPool(() => fakeEnvironment(++created, new Promise<void>((resolve) => starts.push(resolve))), 60_000, () => 0);
    pool.prepare();
    const invocation = take(pool);
    await new Promise((resolve) => setImmediate(resolve));
    expect(created).toBe(1);
    starts[0]!();
    expect((await invocation as unknown as { id: number }).id).toBe(1);
    expect(created).toBe(1);
    expect(pool.idleCount).toBe(0);
  });

  it('when the prepared init fails, the invocation runs an init of its own and gets its result', async () => {
    const importError: InitResult = { kind: 'init_error', error: { errorType: 'Runtime.ImportModuleError', errorMessage: 'boom' } };
    for (const arrives of ['after the failure', 'during the prepared start'] as const) {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let created = 0;
      const pool = new WorkerPool(() => (++created === 1 ? fakeEnvironment(created, gate, importError) : fakeEnvironment(created)), 60_000, () => 0);
      pool.prepare();
      if (arrives === 'after the failure') {
        release();
        await new Promise((resolve) => setImmediate(resolve));
      }
      const invocation = take(pool);
      release();
      expect((await invocation as unknown as { id: number }).id).toBe(2);
      expect(created).toBe(2);
    }
  });

  it('reaps a prepared environment that no invocation took, as any idle one', async () => {
    let created = 0;
    const pool = new WorkerPool(() => fakeEnvironment(++created), 20);
    pool.prepare();
    await until(() => pool.idleCount === 1);
    await until(() => pool.size === 0);
    expect(created).toBe(1);
  });

  it('prepares nothing once closed', async () => {
    const { pool, created } = poolOfFakes();
    await pool.close();
    pool.prepare();
    expect(created()).toBe(0);
  });

  it('starts at most as many environments at once as allowed; a burst waits and is served by the first ones', async () => {
    const starts: (() => void)[] = [];
    let created = 0;
    const pool = new WorkerPool(
      () => fakeEnvironment(++created, new Promise<void>((resolve) => starts.push(resolve))),
      60_000,
      () => 0,
      1,
    );
    const burst = Array.from({ length: 4 }, () => take(pool));
    await Promise.resolve();
    expect(created).toBe(1);
    starts[0]!();
    const first = await burst[0]!;
    // The start ended: one waiter looked again and, knowing nothing of invocation times yet, started the next.
    await new Promise((resolve) => setImmediate(resolve));
    expect(created).toBe(2);
    // A release goes to the longest waiting invocation, which then starts nothing.
    pool.release(first, 1);
    expect(await burst[2]!).toBe(first);
    starts[1]!();
    const second = await burst[1]!;
    expect(second).not.toBe(first);
    // The last one, with short invocations known now, waits for a release rather than starting a third.
    pool.release(first, 1);
    expect(await burst[3]!).toBe(first);
    expect(created).toBe(2);
    await pool.close();
  });
});
