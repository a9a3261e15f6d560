import { LambdaClient } from '@aws-sdk/client-lambda';
import { TEST_CREDENTIALS } from './aws-clients.js';
import { TEST_REGION } from './servers.js';

/** A Lambda client for a service started by a test: its URL as endpoint, no SDK retries. */
export function lambdaClientFor(serviceUrl: string): LambdaClient {
  return new LambdaClient({ endpoint: serviceUrl, region: TEST_REGION, maxAttempts: 1, credentials: TEST_CREDENTIALS });
}
