import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { emulatorClientConfig } from './aws-clients.js';
import { startLocalServer, type LocalServer, type LocalServerOptions, type LocalServerSpec } from './local-server.js';
import { REPO_ROOT } from './repo-root.js';
import { waitFor } from './wait-for.js';

/** Like DynamoDB Local, kinesis-local can take over a minute to answer on a loaded machine. */
const KINESIS_READY_TIMEOUT_MS = 180_000;
const KINESIS_LOCAL_DIR = join(REPO_ROOT, 'node_modules/kinesis-local');
/** Stream state changes (create, split, merge, delete…) take this long instead of the mock's 500 ms. */
const STATE_CHANGE_DURATION = '100ms';
const KINESIS_PERSIST_FILE = 'kinesis-data.json';
/** How often a persisting kinesis-local saves its data besides at SIGTERM (kinesis-mock's default: 5 s). */
const KINESIS_PERSIST_INTERVAL = '1s';

/** kinesis-local in memory, or saving its streams to `persistPath` (on SIGTERM at the latest), where it reads them at start. */
const kinesisLocal = (persistPath: string | undefined): LocalServerSpec => ({
  name: 'kinesis-local',
  extraPorts: 1,
  launch: (port, [tlsPort]) => ({
    command: process.execPath,
    args: [join(KINESIS_LOCAL_DIR, 'main.js')],
    // kinesis-mock reads its TLS certificate (server.json) from the working directory.
    cwd: KINESIS_LOCAL_DIR,
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      AWS_ACCOUNT_ID: '000000000000',
      AWS_REGION: 'us-east-1',
      // Test files create many streams on one server.
      SHARD_LIMIT: '5000',
      ON_DEMAND_STREAM_COUNT_LIMIT: '1000',
      CREATE_STREAM_DURATION: STATE_CHANGE_DURATION,
      DELETE_STREAM_DURATION: STATE_CHANGE_DURATION,
      REGISTER_STREAM_CONSUMER_DURATION: STATE_CHANGE_DURATION,
      DEREGISTER_STREAM_CONSUMER_DURATION: STATE_CHANGE_DURATION,
      START_STREAM_ENCRYPTION_DURATION: STATE_CHANGE_DURATION,
      STOP_STREAM_ENCRYPTION_DURATION: STATE_CHANGE_DURATION,
      MERGE_SHARDS_DURATION: STATE_CHANGE_DURATION,
      SPLIT_SHARD_DURATION: STATE_CHANGE_DURATION,
      UPDATE_SHARD_COUNT_DURATION: STATE_CHANGE_DURATION,
      UPDATE_STREAM_MODE_DURATION: STATE_CHANGE_DURATION,
      ...(persistPath === undefined
        ? { SHOULD_PERSIST_DATA: 'false', LOAD_DATA_IF_EXISTS: 'false' }
        : {
            SHOULD_PERSIST_DATA: 'true',
            LOAD_DATA_IF_EXISTS: 'true',
            PERSIST_PATH: persistPath,
            PERSIST_FILE_NAME: KINESIS_PERSIST_FILE,
            PERSIST_INTERVAL: KINESIS_PERSIST_INTERVAL,
          }),
      LOG_LEVEL: 'WARN',
      ROOT_LOG_LEVEL: 'ERROR',
    },
  }),
  url: (port) => `http://127.0.0.1:${port}`,
  probe: async (url) => {
    const kinesis = new KinesisClient(emulatorClientConfig(url, { maxAttempts: 1, requestTimeoutMs: 5_000 }));
    try {
      await kinesis.send(new ListStreamsCommand({}));
    } finally {
      kinesis.destroy();
    }
  },
  readyTimeoutMs: KINESIS_READY_TIMEOUT_MS,
});

export interface KinesisServerOptions extends LocalServerOptions {
  /**
   * Save the streams and their records in this directory and load them at start: a server stopped with SIGTERM and
   * started again on it has the same shards, records and sequence numbers (after SIGKILL, what was saved last).
   */
  readonly persistPath?: string;
}

/**
 * Starts kinesis-local (kinesis-mock, account 000000000000, region us-east-1) with its plain-HTTP port on a
 * free loopback port, or on `options.port`. Clients need an HTTP/1.1 handler (see `emulatorClientConfig`).
 */
export function startKinesisServer(options: KinesisServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(kinesisLocal(options.persistPath), options);
}

/**
 * SIGKILLs a kinesis-local started with `persistPath` once a save holds every record it acknowledged, and waits for
 * the exit. The caller must have stopped writing: the save awaited is one that began after this call (kinesis-mock
 * saves every interval, changed or not), and the process is frozen while the file is checked, so the kill never cuts
 * a save short. (SIGTERM is no way to get there: kinesis-mock then waits for its clients to close their
 * connections, which running pollers never do.)
 */
export async function killKinesisAfterSave(server: LocalServer, persistPath: string): Promise<void> {
  const file = join(persistPath, KINESIS_PERSIST_FILE);
  const savedAt = async () => (await stat(file)).mtimeMs;
  const since = Date.now();
  // The first save ending after `since` may have begun before it; the one after it began later.
  const first = await waitFor(async () => {
    const at = await savedAt();
    return at > since ? at : undefined;
  }, { message: 'kinesis-local did not save its data' });
  await waitFor(
    async () => {
      if ((await savedAt()) <= first) return false;
      server.process.signal('SIGSTOP');
      try {
        JSON.parse(await readFile(file, 'utf8'));
      } catch {
        server.process.signal('SIGCONT'); // caught while writing: the next save
        return false;
      }
      return true;
    },
    { intervalMs: 20, message: 'kinesis-local did not save its data again' },
  );
  server.process.kill();
  await server.process.exited;
}
