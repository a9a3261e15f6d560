import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Creates a table keyed by `pk` (string), on demand, with a stream of `NEW_IMAGE`s; returns the stream's ARN. */
export async function createStreamTable(dynamodb: DynamoDBClient, name: string): Promise<string> {
  const out = await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const arn = out.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`table ${name} has no stream`);
  return arn;
}
