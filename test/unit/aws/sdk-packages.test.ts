import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const SERVICE_MODULE = fileURLToPath(new URL('../../../src/service.js', import.meta.url));
const CLIENT_FACTORY_MODULE = fileURLToPath(new URL('../../../src/aws/client-factory.js', import.meta.url));

/**
 * Runs `steps` in a fresh Node process after importing the whole service, and returns the AWS SDK client
 * packages that process loaded (a fresh process: this one has loaded them all already).
 */
async function clientPackagesLoadedAfter(steps: string): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(SERVICE_MODULE)});
    const { AwsClientFactory } = await import(${JSON.stringify(CLIENT_FACTORY_MODULE)});
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1' });
    ${steps}
    factory.destroy();
    const loaded = Object.keys(createRequire(import.meta.url).cache).map((path) => /@aws-sdk\\/(client-[a-z0-9-]+)\\//.exec(path)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(loaded)].sort()));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

describe('AWS SDK client packages', () => {
  it('are not loaded by importing the service', async () => {
    expect(await clientPackagesLoadedAfter('')).toEqual([]);
  });

  it('are loaded one by one, when the service first builds a client of theirs', async () => {
    expect(await clientPackagesLoadedAfter('factory.sqs();')).toEqual(['client-sqs']);
    expect(await clientPackagesLoadedAfter('factory.kinesis(); factory.dynamodbStreams();')).toEqual(['client-dynamodb-streams', 'client-kinesis']);
  });
});
