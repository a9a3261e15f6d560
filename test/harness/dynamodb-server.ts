import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { emulatorClientConfig } from './aws-clients.js';
import { startLocalServer, type LocalServer, type LocalServerOptions, type LocalServerSpec } from './local-server.js';
import { REPO_ROOT } from './repo-root.js';

/** Java on a loaded 2-core machine, beside another run starting its own, has taken over a minute to answer. */
const DYNAMODB_READY_TIMEOUT_MS = 180_000;
const DYNAMODB_LOCAL_DIR = join(REPO_ROOT, 'node_modules/amplify-dynamodb-simulator/emulator');

/** DynamoDB Local in memory, or with its database in the directory `dbPath`, where it survives a restart. */
const dynamodbLocal = (dbPath: string | undefined): LocalServerSpec => ({
  name: 'dynamodb-local',
  launch: (port) => ({
    command: 'java',
    args: [
      `-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal_lib')}`,
      // A small heap and one GC thread: the machine running tests is shared by many processes.
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-jar',
      'DynamoDBLocal.jar',
      // On disk, every write is committed (SQLite) before it is answered: tables, streams, shard ids and sequence
      // numbers survive SIGTERM and SIGKILL alike.
      ...(dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath]),
      // Without -sharedDb every access key and region has its own database, and a client signing with the
      // stream ARN's region ("ddblocal") would see no tables.
      '-sharedDb',
      '-port',
      String(port),
    ],
    cwd: DYNAMODB_LOCAL_DIR,
  }),
  url: (port) => `http://127.0.0.1:${port}`,
  probe: async (url) => {
    const dynamodb = new DynamoDBClient(emulatorClientConfig(url, { maxAttempts: 1, requestTimeoutMs: 5_000 }));
    try {
      await dynamodb.send(new ListTablesCommand({}));
    } finally {
      dynamodb.destroy();
    }
  },
  readyTimeoutMs: DYNAMODB_READY_TIMEOUT_MS,
});

export interface DynamodbServerOptions extends LocalServerOptions {
  /** Keep the database in this existing directory instead of in memory: a server started again on it has the same data. */
  readonly dbPath?: string;
}

/** Starts DynamoDB Local (in memory unless `dbPath`, shared database, streams on the same endpoint) on a free loopback port. */
export function startDynamodbServer(options: DynamodbServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(dynamodbLocal(options.dbPath), options);
}
