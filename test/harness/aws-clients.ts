import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TEST_REGION, type TestServers } from './servers.js';

/** Fixed credentials every emulator accepts. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** SDK clients for the emulators of one run; each is built on first use. */
export interface TestClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly dynamodbStreams: DynamoDBStreamsClient;
  /** Destroys the clients built so far. */
  destroy(): void;
}

/** What every test client shares: explicit endpoint, test credentials, HTTP/1.1. */
export interface EmulatorClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof TEST_CREDENTIALS;
  /** HTTP/1.1: kinesis-mock's plain port does not speak the Kinesis client's default HTTP/2. */
  readonly requestHandler: NodeHttpHandler;
  readonly maxAttempts?: number;
}

/**
 * Client options for an emulator endpoint. An explicit `endpoint` is required for SQS: fauxqs returns queue
 * URLs on an unresolvable host (`sqs.<region>.localhost`) which the client would otherwise call.
 */
export function emulatorClientConfig(endpoint: string, options: { maxAttempts?: number; requestTimeoutMs?: number } = {}): EmulatorClientConfig {
  return {
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: options.requestTimeoutMs ?? 30_000 }),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  };
}

/**
 * AWS SDK v3 clients for the servers of this run: SQS, SNS and S3 on fauxqs (S3 path-style), Kinesis on
 * kinesis-local, DynamoDB and DynamoDB Streams on DynamoDB Local. Using a client of a server that was not
 * started (see `ESM_TEST_SERVERS`) throws a clear error.
 */
export function testClients(servers: TestServers): TestClients {
  const built = new Map<string, { destroy(): void }>();
  function client<C extends { destroy(): void }>(key: string, server: string, endpoint: string, build: (config: EmulatorClientConfig) => C): C {
    const existing = built.get(key);
    if (existing) return existing as C;
    if (!endpoint) throw new Error(`${server} is not running in this test run; include it in ESM_TEST_SERVERS to use the ${key} client`);
    const created = build(emulatorClientConfig(endpoint));
    built.set(key, created);
    return created;
  }
  return {
    get sqs() {
      return client('sqs', 'fauxqs', servers.fauxqsEndpoint, (config) => new SQSClient(config));
    },
    get sns() {
      return client('sns', 'fauxqs', servers.fauxqsEndpoint, (config) => new SNSClient(config));
    },
    get s3() {
      return client('s3', 'fauxqs', servers.fauxqsEndpoint, (config) => new S3Client({ ...config, forcePathStyle: true }));
    },
    get kinesis() {
      return client('kinesis', 'kinesis-local', servers.kinesisEndpoint, (config) => new KinesisClient(config));
    },
    get dynamodb() {
      return client('dynamodb', 'DynamoDB Local', servers.dynamodbEndpoint, (config) => new DynamoDBClient(config));
    },
    get dynamodbStreams() {
      return client('dynamodbStreams', 'DynamoDB Local', servers.dynamodbEndpoint, (config) => new DynamoDBStreamsClient(config));
    },
    destroy() {
      for (const created of built.values()) created.destroy();
      built.clear();
    },
  };
}

/**
 * The environment a spawned service process needs to reach this run's servers: per-service endpoints,
 * region, test credentials and REDIS_URL. Servers that were not started are left out.
 */
export function serviceEnv(servers: TestServers): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: servers.region,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  };
  if (servers.fauxqsEndpoint) {
    env.AWS_ENDPOINT_URL_SQS = servers.fauxqsEndpoint;
    env.AWS_ENDPOINT_URL_SNS = servers.fauxqsEndpoint;
    env.AWS_ENDPOINT_URL_S3 = servers.fauxqsEndpoint;
  }
  if (servers.kinesisEndpoint) env.AWS_ENDPOINT_URL_KINESIS = servers.kinesisEndpoint;
  if (servers.dynamodbEndpoint) {
    env.AWS_ENDPOINT_URL_DYNAMODB = servers.dynamodbEndpoint;
    env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = servers.dynamodbEndpoint;
  }
  if (servers.redisUrl) env.REDIS_URL = servers.redisUrl;
  return env;
}
