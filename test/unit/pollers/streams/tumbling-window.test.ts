import { describe, expect, it } from 'vitest';
import type { StreamRecord } from '../../../../pollers/streams/stream-event-builder.js';
import {
  MAX_WINDOW_STATE_BYTES,
  freshWindow,
  parseWindowResponse,
  stateOutgrown,
  windowAt,
  windowEventPayload,
  windowTimeString,
} from '../../../../pollers/streams/tumbling-window.js';

describe('tumbling window arithmetic', () => {
  it.each([
    // arrival (epoch ms), window seconds, start, end
    [Date.parse('2020-12-09T07:04:35.000Z'), 120, '2020-12-09T07:04:00Z', '2020-12-09T07:06:00Z'],
    [Date.parse('2020-12-09T07:05:59.999Z'), 120, '2020-12-09T07:04:00Z', '2020-12-09T07:06:00Z'],
    [Date.parse('2020-12-09T07:06:00.000Z'), 120, '2020-12-09T07:06:00Z', '2020-12-09T07:08:00Z'],
    [Date.parse('2026-11-27T21:00:00.999Z'), 1, '2026-11-27T21:00:00Z', '2026-11-27T21:00:01Z'],
    [Date.parse('2026-11-27T21:14:59.000Z'), 900, '2026-11-27T21:00:00Z', '2026-11-27T21:15:00Z'],
  ])('a record that arrived at %d falls in the %d s window aligned on the epoch', (arrival, seconds, start, end) => {
    const window = windowAt(arrival, seconds);
    expect(windowTimeString(window.startMs)).toBe(start);
    expect(windowTimeString(window.endMs)).toBe(end);
  });

  it('refuses a window that is not a whole positive number of seconds', () => {
    expect(() => windowAt(0, 0)).toThrow(RangeError);
    expect(() => windowAt(0, 1.5)).toThrow(RangeError);
  });

  it('shapes the event as AWS does: Records, window, state, shardId, eventSourceARN, the two flags', () => {
    const event = { kinesis: { sequenceNumber: '1' } };
    const record: StreamRecord = { event, json: JSON.stringify(event), sequenceNumber: '1', arrivalEpochMs: 0, partitionKey: 'k' };
    const window = { ...freshWindow(windowAt(Date.parse('2020-12-09T07:04:35Z'), 120)), state: '{"1":282,"2":715}' };
    const payload = windowEventPayload([record], { window, shardId: 'shardId-000000000006', eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', final: false });
    const parsed = JSON.parse(payload) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['Records', 'window', 'state', 'shardId', 'eventSourceARN', 'isFinalInvokeForWindow', 'isWindowTerminatedEarly']);
    expect(parsed).toEqual({
      Records: [event],
      window: { start: '2020-12-09T07:04:00Z', end: '2020-12-09T07:06:00Z' },
      state: { '1': 282, '2': 715 },
      shardId: 'shardId-000000000006',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    });
    const final = JSON.parse(windowEventPayload([], { window: { ...window, terminatedEarly: true }, shardId: 's', eventSourceArn: 'a', final: true })) as Record<string, unknown>;
    expect(final).toMatchObject({ Records: [], isFinalInvokeForWindow: true, isWindowTerminatedEarly: true });
  });

  it.each([
    ['{"state":{"1":282}}', { kind: 'state', state: '{"1":282}' }],
    ['{"state":{},"batchItemFailures":[]}', { kind: 'state', state: '{}' }],
    ['null', { kind: 'invalid', reason: 'the function response is not an object with a state' }],
    ['', { kind: 'invalid', reason: 'the function response is not valid JSON' }],
    ['{}', { kind: 'invalid', reason: 'the function response has no state' }],
    ['{"batchItemFailures":[]}', { kind: 'invalid', reason: 'the function response has no state' }],
    ['{"state":null}', { kind: 'invalid', reason: 'the state of the function response is not an object' }],
    ['{"state":[1]}', { kind: 'invalid', reason: 'the state of the function response is not an object' }],
    ['{"state":"x"}', { kind: 'invalid', reason: 'the state of the function response is not an object' }],
    ['[]', { kind: 'invalid', reason: 'the function response is not an object with a state' }],
  ])('reads the response %j', (payload, expected) => {
    expect(parseWindowResponse(payload)).toEqual(expected);
  });

  it('calls a state above 1 MB outgrown', () => {
    const fits = `{"a":"${'x'.repeat(MAX_WINDOW_STATE_BYTES - 8)}"}`;
    expect(Buffer.byteLength(fits)).toBe(MAX_WINDOW_STATE_BYTES);
    expect(stateOutgrown(fits)).toBe(false);
    expect(stateOutgrown(`{"a":"${'x'.repeat(MAX_WINDOW_STATE_BYTES - 7)}"}`)).toBe(true);
  });
});
