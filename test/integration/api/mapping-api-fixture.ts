import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { RedisMappingStore } from '../../../src/mappings/redis-mapping-store.js';
import { isTransitional } from '../../../src/mappings/mapping-state.js';
import type { StoredMapping } from '../../../src/mappings/mapping-store.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { testClients, TEST_CREDENTIALS, type TestClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { waitForActive } from '../kinesis/kinesis-fixture.js';
import type { TestServers } from '../../harness/servers.js';

const ACCOUNT = '000000000000';
/** How long the stand-in replica announces itself; longer than any test. */
const REPLICA_TTL_MS = 120_000;

/**
 * A running service with configured functions and no mapping, its own Redis key prefix, a Lambda client pointed at
 * it, and the mapping store it writes, read directly so a test can end a transition as a replica would.
 */
export class MappingApiFixture {
  readonly clients: TestClients;
  readonly keyPrefix = uniqueName('t-api');
  private redis!: Redis;
  store!: RedisMappingStore;
  service!: RunningService;
  lambda!: LambdaClient;
  private readonly replicaId = uniqueName('test-replica');

  constructor(private readonly servers: TestServers) {
    this.clients = testClients(servers);
  }

  /** Starts the service with `echo` (timeout 3 s) and `slow` (timeout 60 s) functions and `extraConfig` appended. */
  async start(extraConfig: string[] = []): Promise<void> {
    this.service = await startService({
      servers: this.servers,
      config: [
        'functions:',
        `  echo: { handler: "${fixtureHandler('echo.mjs')}" }`,
        `  slow: { handler: "${fixtureHandler('slow.mjs')}", timeout: 60, reservedConcurrency: 3 }`,
        `redis: { keyPrefix: ${this.keyPrefix} }`,
        ...extraConfig,
      ].join('\n'),
    });
    this.redis = createRedis(this.servers.redisUrl, createLogger('silent'));
    this.store = new RedisMappingStore(this.redis, new RedisKeys(this.keyPrefix));
    this.lambda = this.client();
    await this.holdTransitions();
  }

  /**
   * Announces the stand-in replica: from now on no transition ends before {@link settle} acknowledges it, whatever the
   * service's own supervisor does, so a test sees Creating, Updating or Deleting for as long as it needs.
   */
  async holdTransitions(): Promise<void> {
    await this.store.heartbeat(this.replicaId, REPLICA_TTL_MS);
  }

  /** A Lambda client for the service, signing with `credentials` (the emulators' test keys by default). */
  client(credentials: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS): LambdaClient {
    return new LambdaClient({ endpoint: this.service.url, region: this.servers.region, maxAttempts: 1, credentials });
  }

  async stop(): Promise<void> {
    this.lambda?.destroy();
    this.clients.destroy();
    await this.redis?.quit();
    await this.service?.stop();
  }

  /**
   * Ends the mapping's transition as the fleet would: a stand-in replica applies (acknowledges) the current revision,
   * then the record is read until its state settles (or it is gone, for Deleting).
   */
  async settle(uuid: string): Promise<StoredMapping | undefined> {
    await this.holdTransitions();
    let settled: StoredMapping | undefined | 'gone';
    await waitFor(
      async () => {
        const record = await this.store.get(uuid);
        if (!record) return (settled = 'gone');
        if (!isTransitional(record.state)) return (settled = record);
        await this.store.acknowledge(uuid, record.revision, this.replicaId);
        return undefined;
      },
      { message: `mapping ${uuid} did not settle` },
    );
    return settled === 'gone' ? undefined : settled;
  }

  async createQueue(options: { fifo?: boolean; visibilityTimeoutSeconds?: number } = {}): Promise<string> {
    const name = `${uniqueName('t-q')}${options.fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30) };
    if (options.fifo) attributes.FifoQueue = 'true';
    await this.clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return `arn:aws:sqs:${this.servers.region}:${ACCOUNT}:${name}`;
  }

  async createStream(): Promise<string> {
    const name = uniqueName('t-stream');
    await this.clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    return waitForActive(this.clients.kinesis, name);
  }

  async createTableStream(): Promise<string> {
    const out = await this.clients.dynamodb.send(
      new CreateTableCommand({
        TableName: uniqueName('t-table'),
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const arn = out.TableDescription?.LatestStreamArn;
    if (!arn) throw new Error('table without stream');
    return arn;
  }
}

/** What an SDK error carries, for comparing with AWS's answer. */
export function errorOf(err: unknown): { name: string; message: string; status: number | undefined } {
  const error = err as Error & { $metadata?: { httpStatusCode?: number } };
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}

/** Runs `send` and returns its error; fails when it succeeds. */
export async function failureOf(send: () => Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await send();
  } catch (err) {
    return errorOf(err);
  }
  throw new Error('expected the request to fail');
}
