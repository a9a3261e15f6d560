import { describe, expect, it } from 'vitest';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../../../../src/batch/invoke-payload-limit.js';
import { SqsBatch } from '../../../../pollers/sqs/sqs-batch.js';
import { toReceivedMessage, type SqsReceivedMessage } from '../../../../pollers/sqs/sqs-received-message.js';

const SOURCE = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', region: 'us-east-1' };

function message(id: string, body = `body-${id}`, groupId?: string): SqsReceivedMessage {
  return toReceivedMessage(
    {
      MessageId: id,
      ReceiptHandle: `rh-${id}`,
      Body: body,
      MD5OfBody: 'x',
      Attributes: { ApproximateReceiveCount: '1', ...(groupId ? { MessageGroupId: groupId } : {}) },
    },
    SOURCE,
    0,
    30,
  );
}

describe('SqsBatch', () => {
  it('stops at BatchSize and returns the rest, in order, as carry-over', () => {
    const batch = new SqsBatch(3);
    const carry = batch.fill(['a', 'b', 'c', 'd', 'e'].map((id) => message(id)));
    expect(batch.messages.map((m) => m.record.messageId)).toEqual(['a', 'b', 'c']);
    expect(carry.map((m) => m.record.messageId)).toEqual(['d', 'e']);
    expect(batch.isFull).toBe(true);
    expect(batch.room).toBe(0);
  });

  it('never lets the whole event JSON pass 6 MB and cuts at the first record that does not fit', () => {
    const mb = 'x'.repeat(1_000_000);
    const batch = new SqsBatch(10_000);
    const messages = Array.from({ length: 9 }, (_, index) => message(`m${index}`, mb));
    const carry = batch.fill(messages);
    const payload = batch.payload();
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_INVOKE_PAYLOAD_BYTES);
    expect(batch.size).toBe(6);
    expect(carry.map((m) => m.record.messageId)).toEqual(['m6', 'm7', 'm8']);
    // The accounting is exact up to one byte.
    expect(batch.bytes - Buffer.byteLength(payload)).toBeGreaterThanOrEqual(0);
    expect(batch.bytes - Buffer.byteLength(payload)).toBeLessThanOrEqual(1);
  });

  it('counts JSON escaping of the body toward the limit', () => {
    // 1.1 MB of quotes doubles when escaped: three such records pass 6 MB.
    const quotes = '"'.repeat(1_100_000);
    const batch = new SqsBatch(10);
    const carry = batch.fill([message('q1', quotes), message('q2', quotes), message('q3', quotes), message('q4', quotes)]);
    expect(batch.size).toBe(2);
    expect(carry).toHaveLength(2);
    expect(Buffer.byteLength(batch.payload())).toBeLessThanOrEqual(MAX_INVOKE_PAYLOAD_BYTES);
  });

  it('fills exactly up to the limit with a custom maximum', () => {
    const probe = message('a');
    const batch = new SqsBatch(10, 14 + probe.bytes * 2);
    expect(batch.fill([message('a'), message('b'), message('c')]).map((m) => m.record.messageId)).toEqual(['c']);
  });

  it('accepts a record larger than the limit alone into an empty batch', () => {
    const batch = new SqsBatch(10, 100);
    expect(batch.tryAdd(message('big', 'y'.repeat(500)))).toBe(true);
    expect(batch.tryAdd(message('small'))).toBe(false);
    expect(batch.size).toBe(1);
  });

  it('builds the event from its records and lists their ids', () => {
    const batch = new SqsBatch(10);
    batch.fill([message('a'), message('b')]);
    const event = JSON.parse(batch.payload()) as { Records: { messageId: string; body: string }[] };
    expect(event.Records.map((r) => [r.messageId, r.body])).toEqual([
      ['a', 'body-a'],
      ['b', 'body-b'],
    ]);
    expect([...batch.messageIds()]).toEqual(['a', 'b']);
  });

  it('removes messages and recomputes its size', () => {
    const batch = new SqsBatch(10);
    const [a, b, c] = [message('a'), message('b'), message('c')];
    batch.fill([a, b, c]);
    const before = batch.bytes;
    batch.remove(new Set([b]));
    expect(batch.messages).toEqual([a, c]);
    expect(batch.bytes).toBe(before - b.bytes);
  });
});

describe('toReceivedMessage', () => {
  it('keeps the group id and the visibility deadline', () => {
    const received = toReceivedMessage({ MessageId: 'm', ReceiptHandle: 'r', Body: 'b', Attributes: { MessageGroupId: 'g1' } }, SOURCE, 1_000, 5);
    expect(received.groupId).toBe('g1');
    expect(received.visibleAtMs).toBe(6_000);
    expect(received.json).toBe(JSON.stringify(received.record));
    expect(received.bytes).toBe(Buffer.byteLength(received.json) + 1);
  });
});
