import { startDynamodbServer } from './dynamodb-server.js';
import { startFauxqsServer } from './fauxqs-server.js';
import { startKinesisServer } from './kinesis-server.js';
import type { LocalServer, LocalServerOptions } from './local-server.js';
import { startRedisServer } from './redis-server.js';
import { SERVER_NAMES, TEST_REGION, type ServerName, type TestServers } from './servers.js';

/** The servers of one run, started together and stopped together. */
export interface TestStack {
  readonly servers: TestServers;
  readonly started: readonly LocalServer[];
  /** Stops every server in parallel (SIGTERM, then SIGKILL after `timeoutMs`); idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

const STARTERS: Record<ServerName, (options: LocalServerOptions) => Promise<LocalServer>> = {
  redis: startRedisServer,
  fauxqs: startFauxqsServer,
  kinesis: startKinesisServer,
  dynamodb: startDynamodbServer,
};

/**
 * Which servers to start from `ESM_TEST_SERVERS` (comma separated names, `none` or empty for none); all
 * when unset. Unknown names are an error, so a typo does not silently skip a server.
 */
export function selectServers(value: string | undefined): ServerName[] {
  if (value === undefined) return [...SERVER_NAMES];
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
  for (const name of names) {
    if (!(SERVER_NAMES as readonly string[]).includes(name)) {
      throw new Error(`ESM_TEST_SERVERS: unknown server "${name}" (known: ${SERVER_NAMES.join(', ')})`);
    }
  }
  return [...new Set(names as ServerName[])];
}

/**
 * Starts the selected servers in parallel. When any fails, the others are stopped and the error (with the
 * failing server's output) is thrown.
 */
export async function startTestStack(
  names: readonly ServerName[],
  optionsFor: (name: ServerName) => LocalServerOptions = () => ({}),
): Promise<TestStack> {
  const results = await Promise.allSettled(names.map((name) => STARTERS[name](optionsFor(name))));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.all(started.map((server) => server.stop()));
    const messages = failures.map((err) => (err instanceof Error ? err.message : String(err)));
    throw new AggregateError(failures, `test servers failed to start:\n\n${messages.join('\n\n')}`);
  }
  const byName = new Map(names.map((name, i) => [name, started[i]!]));
  let stopping: Promise<void> | undefined;
  return {
    servers: {
      redisUrl: byName.get('redis')?.url ?? '',
      fauxqsEndpoint: byName.get('fauxqs')?.url ?? '',
      kinesisEndpoint: byName.get('kinesis')?.url ?? '',
      dynamodbEndpoint: byName.get('dynamodb')?.url ?? '',
      region: TEST_REGION,
    },
    started,
    stop(timeoutMs?: number) {
      stopping ??= Promise.all(started.map((server) => server.stop(timeoutMs))).then(() => undefined);
      return stopping;
    },
  };
}
