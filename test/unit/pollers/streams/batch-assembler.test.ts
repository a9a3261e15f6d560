import { describe, expect, it } from 'vitest';
import { BatchAssembler } from '../../../../pollers/streams/batch-assembler.js';
import type { StreamRecord } from '../../../../pollers/streams/stream-event-builder.js';

function record(sequenceNumber: string, dataBytes = 10): StreamRecord {
  const event = { data: 'x'.repeat(dataBytes), sequenceNumber };
  return { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs: 0, partitionKey: 'k' };
}
const sequences = (records: readonly StreamRecord[]) => records.map((r) => r.sequenceNumber);

describe('BatchAssembler', () => {
  it('cuts batches of at most BatchSize records in shard order', () => {
    const assembler = new BatchAssembler({ batchSize: 2 });
    assembler.push([record('1'), record('2'), record('3')]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!)).toEqual(['1', '2']);
    expect(assembler.isFull).toBe(false);
    expect(sequences(assembler.take()!)).toEqual(['3']);
    expect(assembler.isEmpty).toBe(true);
    expect(assembler.take()).toBeUndefined();
  });

  it('keeps the event payload under the cap, and sends a record above it alone', () => {
    const one = Buffer.byteLength('{"Records":[]}') + record('1', 100).json.length + 1;
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: one * 2 });
    assembler.push([record('1', 100), record('2', 100), record('3', 100), record('4', 100_000), record('5', 100)]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!)).toEqual(['1', '2']);
    expect(sequences(assembler.take()!)).toEqual(['3']);
    expect(sequences(assembler.take()!)).toEqual(['4']);
    expect(sequences(assembler.take()!)).toEqual(['5']);
  });

  it('cuts a record that could not be built alone, without waiting for the batch to fill', () => {
    const assembler = new BatchAssembler({ batchSize: 10 });
    assembler.push([record('1'), { ...record('2'), buildError: new TypeError('x') }, record('3')]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!)).toEqual(['1']);
    expect(sequences(assembler.take()!)).toEqual(['2']);
    expect(assembler.isFull).toBe(false);
    expect(sequences(assembler.take()!)).toEqual(['3']);
  });

  it('never puts records of two tumbling windows in one batch, and calls the first window\'s batch complete', () => {
    const at = (sequenceNumber: string, arrivalEpochMs: number): StreamRecord => ({ ...record(sequenceNumber), arrivalEpochMs });
    const assembler = new BatchAssembler({ batchSize: 10, windowOf: (r) => Math.floor(r.arrivalEpochMs / 1000) });
    assembler.push([at('1', 100), at('2', 900)]);
    expect(assembler.isFull).toBe(false);
    assembler.push([at('3', 1_000), at('4', 1_500), at('5', 2_000)]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!)).toEqual(['1', '2']);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!)).toEqual(['3', '4']);
    expect(assembler.isFull).toBe(false);
    expect(sequences(assembler.take()!)).toEqual(['5']);
  });
});
