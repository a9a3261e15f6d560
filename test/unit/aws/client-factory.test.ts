import { describe, expect, it } from 'vitest';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';

/** The options a client's HTTP handler was built with (resolved once it has handled a request or been asked). */
async function handlerOptions(client: { config: { requestHandler: unknown } }) {
  const handler = client.config.requestHandler as NodeHttpHandler;
  await handler.handle({ protocol: 'http:', hostname: '127.0.0.1', port: 1, method: 'GET', path: '/', query: {}, headers: {} } as never).catch(() => undefined);
  return handler.httpHandlerConfigs();
}

describe('AwsClientFactory', () => {
  it('gives every source and destination client a connection and request timeout, and Lambda no request timeout', async () => {
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1' });
    try {
      for (const client of [factory.sqs(), factory.kinesis(), factory.dynamodbStreams(), factory.sns(), factory.s3()]) {
        expect(await handlerOptions(client)).toMatchObject({ connectionTimeout: 5_000, requestTimeout: 35_000 });
      }
      const lambda = await handlerOptions(factory.lambda());
      expect(lambda.connectionTimeout).toBe(5_000);
      expect(lambda.requestTimeout ?? 0).toBe(0);
    } finally {
      factory.destroy();
    }
  });

  it('gives every client a silent logger without info, so the SDK never builds a filtered copy of each call for a log line', () => {
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1' });
    try {
      for (const client of [factory.sqs(), factory.kinesis(), factory.dynamodbStreams(), factory.dynamodb(), factory.sns(), factory.s3(), factory.lambda()]) {
        const logger = client.config.logger as unknown as Record<string, unknown>;
        expect(logger.info).toBeUndefined();
        expect(typeof logger.debug).toBe('function');
        expect(typeof logger.warn).toBe('function');
        expect(typeof logger.error).toBe('function');
      }
    } finally {
      factory.destroy();
    }
  });

  it('gives every HTTP/1.1 client a middleware stack resolved once per command, and the HTTP/2 one none', () => {
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1' });
    try {
      for (const client of [factory.sqs(), factory.kinesis(), factory.dynamodbStreams(), factory.dynamodb(), factory.sns(), factory.s3(), factory.lambda()]) {
        expect((client.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
      }
      expect((factory.kinesisHttp2().config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(false);
    } finally {
      factory.destroy();
    }
  });
});
