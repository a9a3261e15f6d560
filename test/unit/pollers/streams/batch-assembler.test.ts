import { describe, expect, it } from 'vitest';
import { BatchAssembler, type ReadRecord } from '../../../../pollers/streams/batch-assembler.js';
import type { StreamRecord } from '../../../../pollers/streams/stream-event-builder.js';

function record(sequenceNumber: string, dataBytes = 10, matched = true): ReadRecord {
  const event = { data: 'x'.repeat(dataBytes), sequenceNumber };
  const built: StreamRecord = { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs: 0, partitionKey: 'k' };
  return { record: built, matched };
}
const sequences = (records: readonly StreamRecord[]) => records.map((r) => r.sequenceNumber);

describe('BatchAssembler', () => {
  it('cuts batches of at most BatchSize records in shard order', () => {
    const assembler = new BatchAssembler({ batchSize: 2 });
    assembler.push([record('1'), record('2'), record('3')]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!.records)).toEqual(['1', '2']);
    expect(assembler.isFull).toBe(false);
    expect(sequences(assembler.take()!.records)).toEqual(['3']);
    expect(assembler.isEmpty).toBe(true);
    expect(assembler.take()).toBeUndefined();
  });

  it('lets filtered-out records ride along without counting toward BatchSize', () => {
    const assembler = new BatchAssembler({ batchSize: 2 });
    assembler.push([record('1', 10, false), record('2'), record('3', 10, false), record('4'), record('5', 10, false), record('6')]);
    const batch = assembler.take()!;
    expect(sequences(batch.records)).toEqual(['2', '4']);
    expect(batch.filteredOut).toEqual(['1', '3', '5']);
    expect(sequences(assembler.take()!.records)).toEqual(['6']);
  });

  it('returns a batch of only filtered-out records when nothing matched', () => {
    const assembler = new BatchAssembler({ batchSize: 10 });
    assembler.push([record('1', 10, false)]);
    expect(assembler.take()).toEqual({ records: [], filteredOut: ['1'] });
  });

  it('keeps the event payload under the cap, and sends a record above it alone', () => {
    const one = Buffer.byteLength('{"Records":[]}') + record('1', 100).record.json.length + 1;
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: one * 2 });
    assembler.push([record('1', 100), record('2', 100), record('3', 100), record('4', 100_000), record('5', 100)]);
    expect(assembler.isFull).toBe(true);
    expect(sequences(assembler.take()!.records)).toEqual(['1', '2']);
    expect(sequences(assembler.take()!.records)).toEqual(['3']);
    expect(sequences(assembler.take()!.records)).toEqual(['4']);
    expect(sequences(assembler.take()!.records)).toEqual(['5']);
  });
});
