import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeStreamConsumerCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type ChildShard,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { emulatorClientConfig } from './aws-clients.js';

/** AWS ends every subscription after 5 minutes. */
const AWS_SUBSCRIPTION_MS = 5 * 60_000;
/** Pause between reads of kinesis-local once a subscription has caught up. */
const DEFAULT_POLL_INTERVAL_MS = 50;
/** While caught up, an empty event goes out this often (AWS also pushes events when nothing is written). */
const DEFAULT_HEARTBEAT_MS = 1_000;
const DEFAULT_RECORDS_PER_EVENT = 1_000;
const SUBSCRIBE_TO_SHARD_TARGET = 'Kinesis_20131202.SubscribeToShard';
/** The first bytes of an HTTP/2 connection without TLS (RFC 9113 §3.4). */
const HTTP2_PREFACE_START = 'PRI ';
/** Hop-by-hop headers that are not forwarded (and that HTTP/2 forbids). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'http2-settings']);

export interface SubscribeToShardFrontOptions {
  /** kinesis-local's plain-HTTP endpoint. */
  readonly kinesisEndpoint: string;
  /** How long a subscription lasts before the front ends it. @defaultValue 5 minutes, as AWS */
  readonly subscriptionMs?: number;
  /** @defaultValue {@link DEFAULT_POLL_INTERVAL_MS} */
  readonly pollIntervalMs?: number;
  /** @defaultValue {@link DEFAULT_HEARTBEAT_MS} */
  readonly heartbeatMs?: number;
  /** Most records per event (one GetRecords call each). @defaultValue {@link DEFAULT_RECORDS_PER_EVENT} */
  readonly recordsPerEvent?: number;
}

/** One SubscribeToShard call the front accepted, and how it ended. */
export interface FrontSubscription {
  readonly consumerArn: string;
  readonly shardId: string;
  readonly startingPosition: { readonly Type: string; readonly SequenceNumber?: string; readonly Timestamp?: number };
  /** Records pushed over it. */
  recordsPushed: number;
  /** The reader does not take what was pushed: the front waits (HTTP/2 flow control) and reads nothing more. */
  stalled: boolean;
  ended?: 'expired' | 'client_closed' | 'taken_over' | 'shard_end' | 'failed';
}

interface StartingPositionInput {
  readonly Type: ShardIteratorType;
  readonly SequenceNumber?: string;
  readonly Timestamp?: number;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Kinesis as the SDK sees it, with enhanced fan-out that works: SubscribeToShard is served here, over HTTP/2
 * (h2c) with AWS's event-stream framing, from records read out of kinesis-local with GetRecords; every other
 * call (HTTP/1.1 or HTTP/2) is forwarded to kinesis-local untouched. Point `AWS_ENDPOINT_URL_KINESIS` at {@link url}.
 *
 * Like AWS: an initial-response event first, then SubscribeToShardEvents (Records, ContinuationSequenceNumber,
 * MillisBehindLatest; at the shard's end no continuation and the ChildShards); a consumer that is not ACTIVE is
 * refused; a second subscription of a consumer to a shard takes over and the first one fails with
 * ResourceInUseException; subscriptions end after {@link SubscribeToShardFrontOptions.subscriptionMs}. Unlike AWS, a
 * new subscription within 5 s of the last one is allowed (tests re-subscribe often).
 */
export class SubscribeToShardFront {
  readonly subscriptions: FrontSubscription[] = [];
  private readonly kinesis: KinesisClient;
  private readonly codec = new EventStreamCodec(
    (bytes) => Buffer.from(bytes).toString('utf8'),
    (text) => Buffer.from(text, 'utf8'),
  );
  private readonly active = new Map<string, { readonly end: (reason: 'taken_over') => void }>();
  private readonly sockets = new Set<Socket>();
  private readonly closing = new AbortController();
  private readonly net = createNetServer((socket) => this.route(socket));
  private readonly http1 = createHttpServer((req, res) => void this.handle(req, res));
  private readonly http2 = createHttp2Server((req, res) => void this.handle(req, res));
  private port = 0;

  constructor(private readonly options: SubscribeToShardFrontOptions) {
    this.kinesis = new KinesisClient(emulatorClientConfig(options.kinesisEndpoint, { maxAttempts: 1 }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.net.listen(0, '127.0.0.1');
    await once(this.net, 'listening');
    const address = this.net.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** Subscriptions of one consumer to one shard, in the order they were made. */
  subscriptionsOf(consumerArn: string, shardId: string): FrontSubscription[] {
    return this.subscriptions.filter((subscription) => subscription.consumerArn === consumerArn && subscription.shardId === shardId);
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.net.close(() => resolve()));
    this.kinesis.destroy();
  }

  /** Hands a new connection to the HTTP/2 server when it opens with the HTTP/2 preface, else to the HTTP/1.1 one. */
  private route(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.once('readable', () => {
      const chunk = socket.read() as Buffer | null;
      if (!chunk) {
        socket.destroy();
        return;
      }
      socket.unshift(chunk);
      const server = chunk.subarray(0, HTTP2_PREFACE_START.length).toString('latin1') === HTTP2_PREFACE_START ? this.http2 : this.http1;
      server.emit('connection', socket);
    });
  }

  private async handle(req: AnyRequest, res: AnyResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (req.headers['x-amz-target'] === SUBSCRIBE_TO_SHARD_TARGET) await this.subscribe(JSON.parse(body.toString('utf8')), res);
      else await this.forward(req, body, res);
    } catch (err) {
      if (!res.headersSent) sendError(res, 500, 'InternalFailure', err instanceof Error ? err.message : String(err));
      else res.end();
    }
  }

  private async forward(req: AnyRequest, body: Buffer, res: AnyResponse): Promise<void> {
    const target = new URL(this.options.kinesisEndpoint);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith(':') && !HOP_BY_HOP.has(name)));
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, 'content-length': String(body.length) } }, resolve);
      request.once('error', reject);
      request.end(body);
    });
    const answer = Object.fromEntries(Object.entries(upstream.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    res.writeHead(upstream.statusCode ?? 502, answer as Record<string, string>);
    for await (const chunk of upstream) await this.write(res, chunk as Buffer);
    res.end();
  }

  private async subscribe(input: { ConsumerARN: string; ShardId: string; StartingPosition: StartingPositionInput }, res: AnyResponse): Promise<void> {
    const { ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position } = input;
    const streamArn = consumerArn.replace(/\/consumer\/.*$/, '');
    let iterator: string | undefined;
    try {
      const consumer = await this.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      const status = consumer.ConsumerDescription?.ConsumerStatus;
      if (status !== 'ACTIVE') return sendError(res, 400, 'ResourceInUseException', `Consumer ${consumerArn} is not in ACTIVE status (${status}).`);
      const out = await this.kinesis.send(
        new GetShardIteratorCommand({
          StreamARN: streamArn,
          ShardId: shardId,
          ShardIteratorType: position.Type,
          ...(position.SequenceNumber !== undefined ? { StartingSequenceNumber: position.SequenceNumber } : {}),
          ...(position.Timestamp !== undefined ? { Timestamp: new Date(position.Timestamp * 1000) } : {}),
        }),
      );
      iterator = out.ShardIterator;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return sendError(res, 400, error.name, error.message);
    }

    const subscription: FrontSubscription = { consumerArn, shardId, startingPosition: position, recordsPushed: 0, stalled: false };
    this.subscriptions.push(subscription);
    const ending = new AbortController();
    const key = `${consumerArn} ${shardId}`;
    this.active.get(key)?.end('taken_over');
    const end = (reason: NonNullable<FrontSubscription['ended']>) => {
      subscription.ended ??= reason;
      ending.abort();
    };
    this.active.set(key, { end });
    const expiry = setTimeout(() => end('expired'), this.options.subscriptionMs ?? AWS_SUBSCRIPTION_MS);
    const onClose = () => end('client_closed');
    res.once('close', onClose);
    const onClosing = () => end('client_closed');
    this.closing.signal.addEventListener('abort', onClosing, { once: true });
    try {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
      await this.write(res, this.message('event', 'initial-response', {}));
      await this.push(res, { streamArn, shardId, iterator: iterator!, position, subscription, signal: ending.signal });
      if (subscription.ended === 'taken_over') {
        await this.write(res, this.message('exception', 'ResourceInUseException', { message: `Another active subscription exists for consumer ${consumerArn} and shard ${shardId}.` }));
      }
    } catch (err) {
      subscription.ended ??= 'failed';
      const error = err instanceof Error ? err : new Error(String(err));
      if (!res.destroyed) await this.write(res, this.message('exception', 'InternalFailureException', { message: `${error.name}: ${error.message}` })).catch(() => undefined);
    } finally {
      clearTimeout(expiry);
      res.off('close', onClose);
      this.closing.signal.removeEventListener('abort', onClosing);
      if (this.active.get(key)?.end === end) this.active.delete(key);
      if (!res.destroyed) res.end();
    }
  }

  /** Reads the shard from kinesis-local and pushes what it reads until the subscription ends or the shard does. */
  private async push(
    res: AnyResponse,
    at: { streamArn: string; shardId: string; iterator: string; position: StartingPositionInput; subscription: FrontSubscription; signal: AbortSignal },
  ): Promise<void> {
    const { streamArn, shardId, subscription, signal } = at;
    let iterator = at.iterator;
    let continuation = at.position.SequenceNumber ?? '0';
    let lastEventAt = 0;
    let caughtUpSent = false;
    while (!signal.aborted) {
      const out = await this.kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator, Limit: this.options.recordsPerEvent ?? DEFAULT_RECORDS_PER_EVENT }));
      if (signal.aborted) return;
      const records = out.Records ?? [];
      if (records.length > 0) continuation = records[records.length - 1]!.SequenceNumber!;
      const shardEnded = !out.NextShardIterator;
      const millisBehindLatest = out.MillisBehindLatest ?? 0;
      const heartbeatDue = Date.now() - lastEventAt >= (this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
      if (records.length > 0 || shardEnded || !caughtUpSent || heartbeatDue) {
        const event = {
          Records: records.map((record) => ({
            SequenceNumber: record.SequenceNumber,
            ApproximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
            Data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
            PartitionKey: record.PartitionKey,
          })),
          ...(shardEnded ? { ChildShards: out.ChildShards?.length ? out.ChildShards : await this.childShards(streamArn, shardId) } : { ContinuationSequenceNumber: continuation }),
          MillisBehindLatest: millisBehindLatest,
        };
        subscription.recordsPushed += records.length;
        subscription.stalled = true;
        await this.write(res, this.message('event', 'SubscribeToShardEvent', event), signal);
        subscription.stalled = false;
        lastEventAt = Date.now();
        caughtUpSent = records.length === 0 && millisBehindLatest === 0;
      }
      if (shardEnded) {
        subscription.ended ??= 'shard_end';
        return;
      }
      iterator = out.NextShardIterator!;
      if (records.length === 0) await delay(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  private async childShards(streamArn: string, shardId: string): Promise<ChildShard[]> {
    const out = await this.kinesis.send(new ListShardsCommand({ StreamARN: streamArn }));
    return (out.Shards ?? [])
      .filter((shard) => shard.ParentShardId === shardId || shard.AdjacentParentShardId === shardId)
      .map((shard) => ({
        ShardId: shard.ShardId!,
        ParentShards: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => !!id),
        HashKeyRange: shard.HashKeyRange!,
      }));
  }

  private message(kind: 'event' | 'exception', type: string, body: unknown): Uint8Array {
    return this.codec.encode({
      headers: {
        ':message-type': { type: 'string', value: kind },
        [kind === 'event' ? ':event-type' : ':exception-type']: { type: 'string', value: type },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: Buffer.from(JSON.stringify(body), 'utf8'),
    });
  }

  /** Writes with back-pressure: a reader that does not read stops the pushing (HTTP/2 flow control). */
  private async write(res: AnyResponse, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (res.destroyed) return;
    if ((res as ServerResponse).write(bytes)) return;
    const waiting = new AbortController();
    const stop = () => waiting.abort();
    signal?.addEventListener('abort', stop, { once: true });
    const drained = once(res as ServerResponse, 'drain', { signal: waiting.signal }).catch(() => undefined);
    const closed = once(res as ServerResponse, 'close', { signal: waiting.signal }).catch(() => undefined);
    await Promise.race([drained, closed]);
    waiting.abort();
    signal?.removeEventListener('abort', stop);
  }
}

function sendError(res: AnyResponse, status: number, name: string, message: string): void {
  const body = JSON.stringify({ __type: name, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': name, 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

export async function startSubscribeToShardFront(options: SubscribeToShardFrontOptions): Promise<SubscribeToShardFront> {
  return new SubscribeToShardFront(options).start();
}
