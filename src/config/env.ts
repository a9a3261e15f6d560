/**
 * The only module that reads `process.env`. Everything else receives these values by argument, so
 * behaviour is repeatable in tests.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function processEnv(): Env {
  return process.env;
}

/** AWS service ids as used in `AWS_ENDPOINT_URL_<SERVICE>`. */
export type AwsServiceId = 'SQS' | 'KINESIS' | 'DYNAMODB' | 'DYNAMODB_STREAMS' | 'SNS' | 'S3' | 'LAMBDA';

/** `AWS_ENDPOINT_URL_<SERVICE>` wins over `AWS_ENDPOINT_URL`; undefined means the SDK's own resolution. */
export function endpointFor(env: Env, service: AwsServiceId): string | undefined {
  return nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

export function defaultRegion(env: Env): string {
  return nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
