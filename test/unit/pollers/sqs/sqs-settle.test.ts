import { describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../../../../src/functions/invoker.js';
import { toReceivedMessage, type SqsReceivedMessage } from '../../../../pollers/sqs/sqs-received-message.js';
import { fifoFollowers, planSettlement, verdictOf } from '../../../../pollers/sqs/sqs-settle.js';

const SOURCE = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:q.fifo', region: 'us-east-1' };
const base = { requestId: 'req-1', durationMs: 5, executedVersion: '$LATEST' };

function message(id: string, groupId?: string): SqsReceivedMessage {
  return toReceivedMessage(
    { MessageId: id, ReceiptHandle: `rh-${id}`, Body: id, Attributes: groupId ? { MessageGroupId: groupId } : {} },
    SOURCE,
    0,
    30,
  );
}

function success(payload: string): InvokeOutcome {
  return { ...base, kind: 'success', payload };
}

const IDS = new Set(['a', 'b', 'c']);
const ids = (messages: readonly SqsReceivedMessage[]) => messages.map((m) => m.record.messageId);

describe('verdictOf', () => {
  it('ignores the response when ReportBatchItemFailures is off', () => {
    expect(verdictOf(success('{"batchItemFailures":[{"itemIdentifier":"a"}]}'), IDS, false)).toEqual({ kind: 'success' });
    expect(verdictOf(success('not json'), IDS, false)).toEqual({ kind: 'success' });
  });

  it('reads null, {}, an empty list and a null list as complete success', () => {
    for (const payload of ['null', '{}', '{"batchItemFailures":[]}', '{"batchItemFailures":null}']) {
      expect(verdictOf(success(payload), IDS, true), payload).toEqual({ kind: 'success' });
    }
  });

  it('lists the failed ids of a valid partial response', () => {
    const verdict = verdictOf(success('{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"c"}]}'), IDS, true);
    expect(verdict.kind).toBe('partial');
    expect(verdict.kind === 'partial' && [...verdict.failedIds]).toEqual(['b', 'c']);
  });

  it('reads an id listed twice as one failure', () => {
    const verdict = verdictOf(success('{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"b"}]}'), IDS, true);
    expect(verdict.kind === 'partial' && [...verdict.failedIds]).toEqual(['b']);
    const plan = planSettlement([message('a'), message('b'), message('c')], verdict, false);
    expect(ids(plan.delete)).toEqual(['a', 'c']);
    expect(ids(plan.retain)).toEqual(['b']);
    expect(plan.failedCount).toBe(1);
  });

  it('fails the whole batch for a missing, empty or unknown itemIdentifier and for invalid JSON', () => {
    for (const payload of [
      '{"batchItemFailures":[{"foo":"a"}]}',
      '{"batchItemFailures":[{"itemIdentifier":""}]}',
      '{"batchItemFailures":[{"itemIdentifier":null}]}',
      '{"batchItemFailures":[{"itemIdentifier":"zzz"}]}',
      '{"batchItemFailures":[',
    ]) {
      const verdict = verdictOf(success(payload), IDS, true);
      expect(verdict.kind, payload).toBe('failure');
      expect(verdict.kind === 'failure' && verdict.reason, payload).toBe('invalid_response');
    }
  });

  it('fails the whole batch on function errors, timeouts, invoke errors and throttles whatever the response mode', () => {
    const error = { ...base, payload: '{}', errorType: 'CustomError', errorMessage: 'boom' };
    for (const rbif of [true, false]) {
      expect(verdictOf({ ...error, kind: 'function_error' }, IDS, rbif)).toEqual({ kind: 'failure', reason: 'function_error', detail: 'CustomError: boom' });
      expect(verdictOf({ ...error, kind: 'timed_out' }, IDS, rbif)).toMatchObject({ kind: 'failure', reason: 'timed_out' });
      expect(verdictOf({ ...base, kind: 'invoke_error', error: new Error('refused') }, IDS, rbif)).toMatchObject({ kind: 'failure', reason: 'invoke_error' });
      expect(verdictOf({ ...base, kind: 'throttled', reason: 'Rate' }, IDS, rbif)).toMatchObject({ kind: 'failure', reason: 'throttled' });
    }
  });
});

describe('planSettlement — standard queue', () => {
  const batch = [message('a'), message('b'), message('c')];

  it('deletes everything on success', () => {
    const plan = planSettlement(batch, { kind: 'success' }, false);
    expect(ids(plan.delete)).toEqual(['a', 'b', 'c']);
    expect(plan.retain).toEqual([]);
    expect(plan.release).toEqual([]);
    expect(plan.failedCount).toBe(0);
  });

  it('deletes nothing on failure', () => {
    const plan = planSettlement(batch, { kind: 'failure', reason: 'function_error', detail: '' }, false);
    expect(plan.delete).toEqual([]);
    expect(ids(plan.retain)).toEqual(['a', 'b', 'c']);
    expect(plan.failedCount).toBe(3);
  });

  it('deletes all but the listed messages of a partial response', () => {
    const plan = planSettlement(batch, { kind: 'partial', failedIds: new Set(['b']) }, false);
    expect(ids(plan.delete)).toEqual(['a', 'c']);
    expect(ids(plan.retain)).toEqual(['b']);
    expect(plan.release).toEqual([]);
    expect(plan.failedCount).toBe(1);
  });
});

describe('planSettlement — FIFO queue', () => {
  // Group G: g1 g2 g3, group H: h1 h2, interleaved as SQS may return them.
  const batch = [message('g1', 'G'), message('h1', 'H'), message('g2', 'G'), message('h2', 'H'), message('g3', 'G')];

  it('keeps a failed message and releases the rest of its group, even messages the function did not list', () => {
    const plan = planSettlement(batch, { kind: 'partial', failedIds: new Set(['g2']) }, true);
    expect(ids(plan.delete)).toEqual(['g1', 'h1', 'h2']);
    expect(ids(plan.retain)).toEqual(['g2']);
    expect(ids(plan.release)).toEqual(['g3']);
    expect([...plan.failedGroups]).toEqual(['G']);
    expect(plan.failedCount).toBe(1);
  });

  it('treats a function that lists the failed message and everything after it the same way', () => {
    const plan = planSettlement(batch, { kind: 'partial', failedIds: new Set(['g2', 'g3']) }, true);
    expect(ids(plan.delete)).toEqual(['g1', 'h1', 'h2']);
    expect(ids(plan.retain)).toEqual(['g2']);
    expect(ids(plan.release)).toEqual(['g3']);
    expect(plan.failedCount).toBe(2);
  });

  it('on a whole-batch failure retains the first message of each group and releases the others', () => {
    const plan = planSettlement(batch, { kind: 'failure', reason: 'function_error', detail: '' }, true);
    expect(plan.delete).toEqual([]);
    expect(ids(plan.retain)).toEqual(['g1', 'h1']);
    expect(ids(plan.release)).toEqual(['g2', 'h2', 'g3']);
    expect([...plan.failedGroups].sort()).toEqual(['G', 'H']);
    expect(plan.failedCount).toBe(5);
  });

  it('retains every copy of a message delivered twice into one batch when its id is listed', () => {
    // At-least-once delivery: the same message id under two receipt handles.
    const first = message('a');
    const again = toReceivedMessage({ MessageId: 'a', ReceiptHandle: 'rh-a-2', Body: 'a', Attributes: {} }, SOURCE, 0, 30);
    const plan = planSettlement([first, message('b'), again], { kind: 'partial', failedIds: new Set(['a']) }, false);
    expect(ids(plan.delete)).toEqual(['b']);
    expect(plan.retain.map((m) => m.record.receiptHandle)).toEqual(['rh-a', 'rh-a-2']);
  });

  it('does not apply group rules to a standard queue', () => {
    const plan = planSettlement(batch, { kind: 'partial', failedIds: new Set(['g2']) }, false);
    expect(ids(plan.delete)).toEqual(['g1', 'h1', 'h2', 'g3']);
    expect(plan.failedGroups.size).toBe(0);
  });
});

describe('fifoFollowers', () => {
  it('lists the later messages of the groups of lost messages, in order', () => {
    const [g1, h1, g2, h2, g3] = [message('g1', 'G'), message('h1', 'H'), message('g2', 'G'), message('h2', 'H'), message('g3', 'G')];
    expect(ids(fifoFollowers([g1!, h1!, g2!, h2!, g3!], new Set([g2!])))).toEqual(['g3']);
    expect(ids(fifoFollowers([g1!, h1!, g2!, h2!, g3!], new Set([g1!, h1!])))).toEqual(['g2', 'h2', 'g3']);
    expect(fifoFollowers([message('a'), message('b')], new Set())).toEqual([]);
  });
});
