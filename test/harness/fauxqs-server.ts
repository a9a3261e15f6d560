import { join } from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulatorClientConfig } from './aws-clients.js';
import { startLocalServer, type LocalServer, type LocalServerOptions, type LocalServerSpec } from './local-server.js';
import { REPO_ROOT } from './repo-root.js';
import { TEST_REGION } from './servers.js';

const FAUXQS_READY_TIMEOUT_MS = 30_000;

const FAUXQS: LocalServerSpec = {
  name: 'fauxqs',
  launch: (port) => ({
    command: process.execPath,
    args: [join(REPO_ROOT, 'node_modules/fauxqs/dist/cli.js')],
    cwd: REPO_ROOT,
    // One log line per request would cost CPU on a busy run; failures are reported by the clients.
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_DEFAULT_REGION: TEST_REGION, FAUXQS_LOGGER: 'false' },
  }),
  url: (port) => `http://127.0.0.1:${port}`,
  probe: async (url) => {
    const sqs = new SQSClient(emulatorClientConfig(url, { maxAttempts: 1, requestTimeoutMs: 3_000 }));
    try {
      await sqs.send(new ListQueuesCommand({}));
    } finally {
      sqs.destroy();
    }
  },
  readyTimeoutMs: FAUXQS_READY_TIMEOUT_MS,
};

/** Starts fauxqs (SQS, SNS and S3 on one endpoint) on a free loopback port, or on `options.port`. */
export function startFauxqsServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(FAUXQS, options);
}
