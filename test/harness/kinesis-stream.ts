import { CreateStreamCommand, DescribeStreamConsumerCommand, PutRecordsCommand, RegisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { waitFor } from './wait-for.js';
import { uniqueName } from './unique-name.js';
import { waitForActive } from '../integration/kinesis/kinesis-fixture.js';

/** A stream on kinesis-local for a test that drives a service process, and a way to put records to it. */
export interface TestStream {
  readonly arn: string;
  /** Puts one record per string, in order, each with itself as its partition key unless `key` is given. */
  put(data: readonly string[], key?: string): Promise<void>;
}

export async function createTestStream(kinesis: KinesisClient, shardCount: number, namePrefix = 't-stream'): Promise<TestStream> {
  const name = uniqueName(namePrefix);
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  const arn = await waitForActive(kinesis, name);
  return {
    arn,
    put: async (data, key) => {
      await kinesis.send(new PutRecordsCommand({ StreamARN: arn, Records: data.map((d) => ({ Data: Buffer.from(d), PartitionKey: key ?? d })) }));
    },
  };
}

/** The records' data (UTF-8) of a Kinesis event as the function received it. */
export function kinesisRecordData(event: unknown): string[] {
  return (event as { Records: { kinesis: { data: string } }[] }).Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString());
}

/** Registers an enhanced fan-out consumer of the stream and waits until it is ACTIVE; returns its ARN. */
export async function registerStreamConsumer(kinesis: KinesisClient, streamArn: string): Promise<string> {
  const out = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: uniqueName('t-consumer') }));
  const consumerArn = out.Consumer!.ConsumerARN!;
  await waitFor(
    async () => (await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }))).ConsumerDescription?.ConsumerStatus === 'ACTIVE',
    { message: 'consumer not ACTIVE', intervalMs: 100 },
  );
  return consumerArn;
}
