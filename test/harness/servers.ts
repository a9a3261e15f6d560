/**
 * The servers one vitest run shares, as the global setup provides them to every test file through
 * `inject('servers')`. A server left out through `ESM_TEST_SERVERS` has an empty string as its endpoint.
 */
export interface TestServers {
  /** `redis://127.0.0.1:<port>` of a redis-server started for this run. */
  readonly redisUrl: string;
  /** fauxqs: SQS, SNS and S3 on one endpoint. */
  readonly fauxqsEndpoint: string;
  /** kinesis-local (kinesis-mock), plain HTTP port; account 000000000000. */
  readonly kinesisEndpoint: string;
  /** DynamoDB Local; DynamoDB Streams is served on the same endpoint. */
  readonly dynamodbEndpoint: string;
  readonly region: 'us-east-1';
}

/** Names accepted in `ESM_TEST_SERVERS` (comma separated). */
export const SERVER_NAMES = ['redis', 'fauxqs', 'kinesis', 'dynamodb'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** The region every emulator is used in. */
export const TEST_REGION = 'us-east-1';

declare module 'vitest' {
  export interface ProvidedContext {
    servers: TestServers;
  }
}
