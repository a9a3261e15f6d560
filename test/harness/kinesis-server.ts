import { join } from 'node:path';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { emulatorClientConfig } from './aws-clients.js';
import { startLocalServer, type LocalServer, type LocalServerOptions, type LocalServerSpec } from './local-server.js';
import { REPO_ROOT } from './repo-root.js';

const KINESIS_READY_TIMEOUT_MS = 60_000;
const KINESIS_LOCAL_DIR = join(REPO_ROOT, 'node_modules/kinesis-local');
/** Stream state changes (create, split, merge, delete…) take this long instead of the mock's 500 ms. */
const STATE_CHANGE_DURATION = '100ms';

const KINESIS_LOCAL: LocalServerSpec = {
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
      SHOULD_PERSIST_DATA: 'false',
      LOAD_DATA_IF_EXISTS: 'false',
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
};

/**
 * Starts kinesis-local (kinesis-mock, account 000000000000, region us-east-1) with its plain-HTTP port on a
 * free loopback port, or on `options.port`. Clients need an HTTP/1.1 handler (see `emulatorClientConfig`).
 */
export function startKinesisServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(KINESIS_LOCAL, options);
}
