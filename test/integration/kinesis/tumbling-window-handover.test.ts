import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker, type KinesisEventRecord } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** A windowed event as the function receives it. */
interface WindowEvent {
  Records: KinesisEventRecord[];
  window: { start: string; end: string };
  state: { count?: number };
  isFinalInvokeForWindow: boolean;
}

const dataOf = (record: KinesisEventRecord) => Buffer.from(record.kinesis.data, 'base64').toString('utf8');
/** What each invocation got, briefly: its records' data, its state, whether it was the final one. */
const summary = (events: readonly WindowEvent[]) => events.map((event) => [event.Records.map(dataOf), event.state, event.isFinalInvokeForWindow]);

/** Events the window-count.mjs handler of one service process wrote down, in order. */
function recorded(file: string): WindowEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as WindowEvent);
}

describe('Kinesis tumbling windows across a crash and a lease move', () => {
  let fixture: KinesisFixture;
  const started: RunningService[] = [];
  const dir = mkdtempSync(join(tmpdir(), 't-windows-'));
  const records = ['r-0', 'r-1', 'r-2', 'r-3'].map((data, i) => ({ data, key: `k-${i}` }));

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop('SIGKILL')));
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  function config(streamArn: string, keyPrefix: string): string {
    return [
      'functions:',
      `  counter: { handler: "${fixtureHandler('window-count.mjs')}", timeout: 60 }`,
      'eventSourceMappings:',
      `  - { FunctionName: counter, EventSourceArn: "${streamArn}", StartingPosition: TRIM_HORIZON, BatchSize: 2, TumblingWindowInSeconds: 1 }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'streams: { idlePollIntervalMs: 100 }',
      'shutdown: { drainTimeoutSeconds: 5 }',
      'log: { level: info }',
    ].join('\n');
  }

  it('resumes the window with its state from Redis after a SIGKILL', async () => {
    const stream = await fixture.createStream(1);
    const keyPrefix = uniqueName('t-win');
    const [before, after] = ['before', 'after'].map((name) => join(dir, `${keyPrefix}-${name}.jsonl`)) as [string, string];
    // One PutRecords: the four records share one arrival time, hence one window.
    await fixture.put(stream.arn, records);

    // The first process counts the first batch, then hangs in the second one and is killed there.
    const first = await startService({ config: config(stream.arn, keyPrefix), servers, env: { ESM_TEST_RECORD_FILE: before, ESM_TEST_HANG_AT_COUNT: '2' } });
    started.push(first);
    await waitFor(() => recorded(before).length === 2, { message: 'second batch not started', timeoutMs: 30_000 });
    first.kill();
    await first.exited;
    expect(summary(recorded(before))).toEqual([
      [['r-0', 'r-1'], {}, false],
      [['r-2', 'r-3'], { count: 2 }, false],
    ]);

    // The next process takes the shard once the lease expires and goes on with the state the first one committed.
    const second = await startService({ config: config(stream.arn, keyPrefix), servers, env: { ESM_TEST_RECORD_FILE: after } });
    started.push(second);
    await waitFor(() => recorded(after).some((event) => event.isFinalInvokeForWindow), { message: 'no final invoke after the restart', timeoutMs: 40_000 });
    expect(summary(recorded(after))).toEqual([
      [['r-2', 'r-3'], { count: 2 }, false],
      [[], { count: 4 }, true],
    ]);
    expect(new Set([...recorded(before), ...recorded(after)].map((event) => event.window.start)).size).toBe(1);
  });

  it('resumes the window with its state on the replica the lease moves to', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, records);
    let hung: () => void = () => undefined;
    const counting = (hangAt?: number) =>
      new ScriptedInvoker(async (event) => {
        const windowEvent = event as unknown as WindowEvent;
        const count = windowEvent.state.count ?? 0;
        if (count === hangAt && windowEvent.Records.length > 0) await new Promise<void>((resolve) => (hung = resolve));
        return { kind: 'success', result: { state: { count: count + windowEvent.Records.length } } };
      });
    const mapping = fixture.mapping(stream.arn, { BatchSize: 2, TumblingWindowInSeconds: 1 });
    const a = counting(2);
    const b = counting();
    const first = fixture.poller(mapping, a, { drainTimeoutMs: 300 });
    const second = fixture.poller(mapping, b);

    await first.poller.start();
    await waitFor(() => a.events.length === 2, { message: 'second batch not started' });
    await second.poller.start();
    // The first replica stops while its second batch hangs: that batch is abandoned and the lease moves.
    await first.poller.stop();
    hung();
    await waitFor(() => (b.events as unknown as WindowEvent[]).some((event) => event.isFinalInvokeForWindow), { message: 'no final invoke on the new owner' });

    expect(summary(a.events as unknown as WindowEvent[])).toEqual([
      [['r-0', 'r-1'], {}, false],
      [['r-2', 'r-3'], { count: 2 }, false],
    ]);
    expect(summary(b.events as unknown as WindowEvent[])).toEqual([
      [['r-2', 'r-3'], { count: 2 }, false],
      [[], { count: 4 }, true],
    ]);
  });
});
