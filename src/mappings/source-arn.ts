import type { SourceKind } from './event-source-mapping.js';

/**
 * What an EventSourceArn names. Pollers read `streamArn` (for an enhanced fan-out consumer ARN it is the ARN of
 * the consumer's stream; otherwise the ARN itself).
 */
export interface SourceArn {
  readonly arn: string;
  readonly kind: SourceKind;
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** Region as written in the ARN (DynamoDB Local writes `ddblocal`). */
  readonly region: string;
  readonly accountId: string;
  /** Queue name (SQS), stream name (Kinesis) or stream label (DynamoDB Streams). */
  readonly name: string;
  /** SQS FIFO queue: the name ends in `.fifo`. */
  readonly fifo: boolean;
  /** DynamoDB Streams only: the table the stream belongs to. */
  readonly tableName?: string;
  /** Kinesis only: the ARN names an enhanced fan-out consumer of the stream. */
  readonly efoConsumer: boolean;
  /** Kinesis enhanced fan-out consumer name. */
  readonly consumerName?: string;
  /** The stream ARN (Kinesis and DynamoDB Streams); the queue ARN for SQS. */
  readonly streamArn: string;
}

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const REGION = '([a-z0-9-]+)';
const ACCOUNT = '(\\d{12})';
/** Queue names: letters, digits, `-`, `_`, at most 80 characters including `.fifo`. */
const SQS_ARN = new RegExp(`^arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\\.fifo)$`);
/** Stream names: letters, digits, `_`, `.`, `-`, 1..128; consumer: `/consumer/<name>:<creation epoch seconds>`. */
const KINESIS_ARN = new RegExp(
  `^arn:${PARTITION}:kinesis:${REGION}:${ACCOUNT}:stream/([A-Za-z0-9_.-]{1,128})(?:/consumer/([A-Za-z0-9_.-]{1,128}):(\\d+))?$`,
);
/** Table names: letters, digits, `_`, `.`, `-`, 3..255; the stream label is a timestamp-like string. */
const DYNAMODB_ARN = new RegExp(`^arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/([A-Za-z0-9_.-]{3,255})/stream/([^/\\s]+)$`);

/** Parses an SQS queue, Kinesis stream / consumer or DynamoDB stream ARN; undefined for anything else. */
export function parseSourceArn(arn: string): SourceArn | undefined {
  let match = SQS_ARN.exec(arn);
  if (match) {
    const [, partition, region, accountId, name] = match as unknown as [string, string, string, string, string];
    return { arn, kind: 'sqs', partition, region, accountId, name, fifo: name.endsWith('.fifo'), efoConsumer: false, streamArn: arn };
  }
  match = KINESIS_ARN.exec(arn);
  if (match) {
    const [, partition, region, accountId, name, consumerName] = match as unknown as [string, string, string, string, string, string?];
    const streamArn = `arn:${partition}:kinesis:${region}:${accountId}:stream/${name}`;
    return {
      arn,
      kind: 'kinesis',
      partition,
      region,
      accountId,
      name,
      fifo: false,
      efoConsumer: consumerName !== undefined,
      ...(consumerName !== undefined ? { consumerName } : {}),
      streamArn,
    };
  }
  match = DYNAMODB_ARN.exec(arn);
  if (match) {
    const [, partition, region, accountId, tableName, label] = match as unknown as [string, string, string, string, string, string];
    return { arn, kind: 'dynamodb', partition, region, accountId, name: label, tableName, fifo: false, efoConsumer: false, streamArn: arn };
  }
  return undefined;
}
