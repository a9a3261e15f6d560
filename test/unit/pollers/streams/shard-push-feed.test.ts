import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/observability/logger.js';
import { Metrics } from '../../../../src/observability/metrics.js';
import { ShardPushFeed } from '../../../../pollers/streams/shard-push-feed.js';
import type { IteratorPosition, ShardReaderErrorKind } from '../../../../pollers/streams/shard-reader.js';
import type { PushedEvent, ShardSubscriber } from '../../../../pollers/streams/shard-subscriber.js';
import type { StreamEventBuilder } from '../../../../pollers/streams/stream-event-builder.js';

/** What one scripted subscription does: push these events, then end — or fail after them. */
interface ScriptedSubscription {
  readonly events: readonly PushedEvent<string>[];
  readonly failWith?: string;
  /** Never ends by itself (waits until it is closed). */
  readonly open?: boolean;
}

function pushed(records: string[], options: Partial<PushedEvent<string>> = {}): PushedEvent<string> {
  return { records, continuationSequenceNumber: records.at(-1) ?? '0', millisBehindLatest: 0, childShardIds: [], ...options };
}

/** A subscriber that plays one scripted subscription per call and remembers where each started. */
class ScriptedSubscriber implements ShardSubscriber<string> {
  readonly positions: IteratorPosition[] = [];
  readonly signals: AbortSignal[] = [];

  constructor(private readonly script: ScriptedSubscription[]) {}

  async subscribe(_shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<AsyncIterable<PushedEvent<string>>> {
    this.positions.push(position);
    this.signals.push(signal);
    const subscription = this.script.shift() ?? { events: [], open: true };
    return (async function* () {
      yield* subscription.events;
      if (subscription.failWith) {
        const error = new Error(subscription.failWith);
        error.name = subscription.failWith;
        throw error;
      }
      if (subscription.open) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    })();
  }

  classifyError(err: unknown): ShardReaderErrorKind {
    return err instanceof Error && err.name === 'ResourceInUseException' ? 'throughput_exceeded' : 'other';
  }
}

const events: StreamEventBuilder<string> = {
  source: 'kinesis',
  batchInfoKey: 'KinesisBatchInfo',
  build: (sequenceNumber) => ({ event: { sequenceNumber }, json: `{"sequenceNumber":"${sequenceNumber}"}`, sequenceNumber, arrivalEpochMs: 0, partitionKey: 'k' }),
  identify: (sequenceNumber) => ({ sequenceNumber, arrivalEpochMs: 0, partitionKey: 'k' }),
};

function feedOf(subscriber: ScriptedSubscriber, start: IteratorPosition = { type: 'TRIM_HORIZON' }): ShardPushFeed<string> {
  return new ShardPushFeed({
    subscriber,
    events,
    shardId: 's-1',
    start,
    metrics: new Metrics({ collectProcessMetrics: false }),
    labels: { mapping: 'm', function: 'f', source: 'kinesis' },
    logger: createLogger('silent', { write: () => undefined }),
    // Shortest backoff the policy allows (half of the base delay).
    random: () => 1,
  });
}

/** Fetches `count` times; the sequence numbers handed over, in order. */
async function fetchAll(feed: ShardPushFeed<string>, count: number): Promise<string[]> {
  const handed: string[] = [];
  for (let i = 0; i < count && !feed.ended; i++) {
    const read = await feed.fetch(new AbortController().signal);
    handed.push(...(read?.records.map((record) => record.sequenceNumber) ?? []));
  }
  return handed;
}

describe('ShardPushFeed', () => {
  it('re-subscribes after the last record handed over when a subscription ends, and at the start when none was', async () => {
    const subscriber = new ScriptedSubscriber([
      { events: [pushed([])] },
      { events: [pushed(['1', '2']), pushed(['3'])] },
      { events: [pushed(['4'])] },
    ]);
    const feed = feedOf(subscriber, { type: 'AT_TIMESTAMP', timestampMs: 1_000 });
    expect(await fetchAll(feed, 4)).toEqual(['1', '2', '3', '4']);
    expect(subscriber.positions).toEqual([
      { type: 'AT_TIMESTAMP', timestampMs: 1_000 },
      { type: 'AT_TIMESTAMP', timestampMs: 1_000 },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '3' },
    ]);
    feed.close();
  });

  it('re-subscribes after a failure from the last record handed over, and never hands a record twice', async () => {
    const subscriber = new ScriptedSubscriber([
      { events: [pushed(['1', '2'])], failWith: 'ResourceInUseException' },
      // A service that resends what came before the position: nothing is handed over again.
      { events: [pushed(['2', '3'])] },
    ]);
    const feed = feedOf(subscriber);
    expect(await fetchAll(feed, 2)).toEqual(['1', '2', '3']);
    expect(subscriber.positions[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '2' });
    feed.close();
  });

  it('ends the shard with an event without continuation or one naming child shards, and closes the subscription', async () => {
    for (const last of [pushed(['2'], { continuationSequenceNumber: null }), pushed(['2'], { childShardIds: ['s-2', 's-3'] })]) {
      const subscriber = new ScriptedSubscriber([{ events: [pushed(['1']), last], open: true }]);
      const feed = feedOf(subscriber);
      expect(await fetchAll(feed, 5)).toEqual(['1', '2']);
      expect(feed.ended).toBe(true);
      expect(subscriber.signals[0]!.aborted).toBe(true);
      expect(await feed.fetch(new AbortController().signal)).toBeUndefined();
    }
  });

  it('is caught up only when the service says so, and pushes (the consumer does not pause between reads)', async () => {
    const feed = feedOf(new ScriptedSubscriber([{ events: [pushed(['1'], { millisBehindLatest: 5_000 }), pushed(['2'])], open: true }]));
    expect(feed.pushes).toBe(true);
    expect((await feed.fetch(new AbortController().signal))?.caughtUp).toBe(false);
    expect((await feed.fetch(new AbortController().signal))?.caughtUp).toBe(true);
    feed.close();
  });

  it('stops waiting when aborted and closes the open subscription; the next fetch subscribes again', async () => {
    const subscriber = new ScriptedSubscriber([{ events: [pushed(['1'])], open: true }, { events: [pushed(['2'])], open: true }]);
    const feed = feedOf(subscriber);
    expect((await feed.fetch(new AbortController().signal))?.records).toHaveLength(1);
    const halt = new AbortController();
    const waiting = feed.fetch(halt.signal);
    halt.abort();
    expect(await waiting).toBeUndefined();
    expect(subscriber.signals[0]!.aborted).toBe(true);
    expect(await fetchAll(feed, 1)).toEqual(['2']);
    expect(subscriber.positions[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1' });
    feed.close();
    expect(subscriber.signals[1]!.aborted).toBe(true);
  });
});
