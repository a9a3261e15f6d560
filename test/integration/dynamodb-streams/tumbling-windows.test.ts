import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { ScriptedInvoker } from '../kinesis/kinesis-fixture.js';
import { DynamodbFixture, type DynamodbEventRecord } from './dynamodb-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** A windowed DynamoDB Streams event as the function receives it. */
interface WindowEvent {
  Records: DynamodbEventRecord[];
  window: { start: string; end: string };
  state: { count?: number };
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

describe('DynamoDB Streams tumbling windows', () => {
  let fixture: DynamodbFixture;

  beforeAll(() => {
    fixture = new DynamodbFixture(servers, clients.dynamodb);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('windows records by creation time, hands the state on within a window and ends each window with a final invoke', async () => {
    const table = await fixture.createTable();
    const items = ['a', 'b', 'c', 'd', 'e'];
    for (const [n, pk] of items.entries()) {
      await clients.dynamodb.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: pk }, n: { N: String(n) } } }));
    }
    const invoker = new ScriptedInvoker((event) => {
      const windowEvent = event as unknown as WindowEvent;
      return { kind: 'success', result: { state: { count: (windowEvent.state.count ?? 0) + windowEvent.Records.length } } };
    });
    const subject = fixture.poller(fixture.mapping(table.streamArn, { BatchSize: 2, TumblingWindowInSeconds: 1 }), invoker);

    await subject.poller.start();
    const events = invoker.events as unknown as WindowEvent[];
    const delivered = () => events.flatMap((event) => event.Records);
    await waitFor(() => delivered().length === items.length && events[events.length - 1]!.isFinalInvokeForWindow, { message: 'records or final invoke missing' });

    // DynamoDB Local rounds creation times down to the minute, so the five items fall in one or two windows.
    const windows = [...new Set(events.map((event) => event.window.start))];
    expect(windows.length).toBeGreaterThanOrEqual(1);
    for (const start of windows) {
      const ofWindow = events.filter((event) => event.window.start === start);
      const batches = ofWindow.filter((event) => !event.isFinalInvokeForWindow);
      let count = 0;
      for (const batch of batches) {
        expect(batch.state).toEqual(count === 0 ? {} : { count });
        for (const record of batch.Records) {
          const createdMs = record.dynamodb.ApproximateCreationDateTime * 1000;
          expect(Date.parse(start)).toBeLessThanOrEqual(createdMs);
          expect(Date.parse(batch.window.end)).toBeGreaterThan(createdMs);
        }
        count += batch.Records.length;
      }
      expect(ofWindow[ofWindow.length - 1]).toMatchObject({ Records: [], state: { count }, isFinalInvokeForWindow: true, isWindowTerminatedEarly: false });
      expect(Date.parse(ofWindow[0]!.window.end) - Date.parse(start)).toBe(1_000);
    }
    // Five records in batches of two over at most two windows: some invocation got the state of an earlier one.
    expect(events.some((event) => !event.isFinalInvokeForWindow && (event.state.count ?? 0) > 0)).toBe(true);
    expect(delivered().map((record) => record.dynamodb.Keys.pk)).toEqual(items.map((pk) => ({ S: pk })));
    expect(events.every((event) => event.eventSourceARN === table.streamArn && event.shardId.startsWith('shardId-'))).toBe(true);
  });
});
