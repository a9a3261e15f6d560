import { createRequire } from 'node:module';

/**
 * The AWS SDK client packages, each loaded the first time the service uses it. A package takes 40–80 ms and
 * 3–5 MB to load, and a service whose mappings read one kind of source needs one or two of the seven: loading
 * them all made every start about 0.2 s slower and every process 5–20 MB bigger. Modules import only types from the
 * packages and take their commands from here.
 *
 * `require` returns the same module instance an `import` of the package does (Node loads the packages' CommonJS
 * build either way), so `instanceof` checks against their classes still hold.
 */
const require = createRequire(import.meta.url);

function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}

export const sqsSdk = lazyPackage<typeof import('@aws-sdk/client-sqs')>('@aws-sdk/client-sqs');
export const kinesisSdk = lazyPackage<typeof import('@aws-sdk/client-kinesis')>('@aws-sdk/client-kinesis');
export const dynamodbStreamsSdk = lazyPackage<typeof import('@aws-sdk/client-dynamodb-streams')>('@aws-sdk/client-dynamodb-streams');
export const dynamodbSdk = lazyPackage<typeof import('@aws-sdk/client-dynamodb')>('@aws-sdk/client-dynamodb');
export const snsSdk = lazyPackage<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns');
export const s3Sdk = lazyPackage<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
export const lambdaSdk = lazyPackage<typeof import('@aws-sdk/client-lambda')>('@aws-sdk/client-lambda');
