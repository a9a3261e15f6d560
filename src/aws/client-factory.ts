import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttp2Handler, type NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger, MiddlewareStack } from '@smithy/types';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { defaultRegion, endpointFor, type Env, type AwsServiceId } from '../config/env.js';
import { addCallSignal, SignalledHttpHandler } from './call-signal.js';
import { dynamodbSdk, dynamodbStreamsSdk, kinesisSdk, lambdaSdk, s3Sdk, snsSdk, sqsSdk } from './sdk-packages.js';

/** A connection to an AWS endpoint not made within this fails (and is retried by the caller's policy). */
const CONNECTION_TIMEOUT_MS = 5_000;
/**
 * A request whose socket stays silent this long fails, so an endpoint that hangs never holds a loop forever. Above
 * SQS's longest poll (20 s); the Lambda client has none, as an invocation may run for up to 15 minutes.
 */
const REQUEST_TIMEOUT_MS = 35_000;

/**
 * The clients' logger: silent, as the SDK's default one, and without `info` on purpose. The SDK logs every call at
 * `info` with its input and output filtered of sensitive fields, and builds that filtered copy (every message of a
 * ReceiveMessage, every record of a GetRecords) whenever the logger has an `info` method, even a no-op one; it
 * checks for the method before it builds the copy. The SDK calls no other `info`.
 */
const SILENT_SDK_LOGGER = { debug: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

/**
 * The one place AWS SDK v3 clients are built. Credentials come from the SDK's default chain; the endpoint
 * from `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when set. Clients are cached per region.
 *
 * Every client uses an HTTP/1.1 handler with keep-alive: the Kinesis client's default HTTP/2 handler fails
 * against plain-HTTP endpoints, and HTTP/1.1 is what every other service speaks anyway. The one exception is
 * {@link kinesisHttp2}, for the one call that needs HTTP/2 (SubscribeToShard).
 *
 * Every HTTP/1.1 client resolves its middleware stack once per command (`cacheMiddleware`), so calls pass no
 * options: a call that must be cancellable carries its signal on the command (see `call-signal.ts`).
 */
export class AwsClientFactory {
  private readonly cache = new Map<string, unknown>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly env: Env) {}

  get defaultRegion(): string {
    return defaultRegion(this.env);
  }

  sqs(region?: string): SQSClient {
    // An explicit endpoint also stops the client from sending requests to the queue URL's own host,
    // which emulators report as an unresolvable name (sqs.<region>.localhost).
    return this.client('SQS', region, (config) => new (sqsSdk().SQSClient)(config));
  }

  kinesis(region?: string): KinesisClient {
    return this.client('KINESIS', region, (config) => new (kinesisSdk().KinesisClient)(config));
  }

  /**
   * A Kinesis client over HTTP/2, for SubscribeToShard (enhanced fan-out pushes records over HTTP/2 only). An
   * `http://` endpoint is spoken to as HTTP/2 without TLS (prior knowledge).
   */
  kinesisHttp2(region?: string): KinesisClient {
    // SubscribeToShard passes its signal as an option (the HTTP/2 handler reads no other), so nothing is cached.
    return this.client(
      'KINESIS',
      region,
      (config) => new (kinesisSdk().KinesisClient)({ ...config, cacheMiddleware: false, requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }) }),
      { variant: 'http2' },
    );
  }

  dynamodbStreams(region?: string): DynamoDBStreamsClient {
    return this.client('DYNAMODB_STREAMS', region, (config) => new (dynamodbStreamsSdk().DynamoDBStreamsClient)(config));
  }

  /** Tables (templates: the stream of a table, creating declared tables). */
  dynamodb(region?: string): DynamoDBClient {
    return this.client('DYNAMODB', region, (config) => new (dynamodbSdk().DynamoDBClient)(config));
  }

  sns(region?: string): SNSClient {
    return this.client('SNS', region, (config) => new (snsSdk().SNSClient)(config));
  }

  s3(region?: string): S3Client {
    return this.client('S3', region, (config) => new (s3Sdk().S3Client)({ ...config, forcePathStyle: config.endpoint !== undefined }));
  }

  lambda(region?: string): LambdaClient {
    // An invoker never retries: a repeated Invoke could run the function twice and would hide a throttle
    // from the caller's own backoff.
    return this.client('LAMBDA', region, (config) => new (lambdaSdk().LambdaClient)({ ...config, maxAttempts: 1 }), { requestTimeout: 0 });
  }

  /** Destroys every client and closes pooled sockets. */
  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy(): void }).destroy();
    this.cache.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private client<T>(
    service: AwsServiceId,
    region: string | undefined,
    build: (config: { region: string; endpoint?: string; requestHandler: NodeHttpHandler; maxAttempts: number; logger: Logger; cacheMiddleware: boolean }) => T,
    options: { readonly variant?: string; readonly requestTimeout?: number } = {},
  ): T {
    const { variant = '', requestTimeout = REQUEST_TIMEOUT_MS } = options;
    const resolvedRegion = region ?? this.defaultRegion;
    const key = `${service}:${resolvedRegion}:${variant}`;
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      const endpoint = endpointFor(this.env, service);
      client = build({
        region: resolvedRegion,
        ...(endpoint ? { endpoint } : {}),
        requestHandler: new SignalledHttpHandler({
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
          connectionTimeout: CONNECTION_TIMEOUT_MS,
          ...(requestTimeout > 0 ? { requestTimeout } : {}),
        }),
        // Pollers own their retry policy; the SDK retries only transient transport errors a little.
        maxAttempts: 3,
        logger: SILENT_SDK_LOGGER,
        cacheMiddleware: true,
      });
      addCallSignal(client as { middlewareStack: MiddlewareStack<object, object> });
      this.cache.set(key, client);
    }
    return client;
  }
}
