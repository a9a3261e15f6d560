import { describe, expect, it } from 'vitest';
import { MappingStatus, NO_RECORDS_PROCESSED, PROCESSING_OK, readProblem } from '../../../src/mappings/mapping-status.js';

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('MappingStatus', () => {
  it('shares a result when it changes, and an unchanged one only after the refresh interval', () => {
    let now = 0;
    const shared: string[] = [];
    const status = new MappingStatus((result) => shared.push(result), () => now);
    expect(status.lastProcessingResult).toBe(NO_RECORDS_PROCESSED);
    status.record(PROCESSING_OK);
    status.record(PROCESSING_OK);
    now = 4_999;
    status.record(PROCESSING_OK);
    expect(shared).toEqual([PROCESSING_OK]);
    now = 5_000;
    status.record(PROCESSING_OK);
    status.record('PROBLEM: Function call failed');
    expect(shared).toEqual([PROCESSING_OK, PROCESSING_OK, 'PROBLEM: Function call failed']);
  });

  it('keeps a source problem through batch results until the source is read again', () => {
    const shared: [string, string | undefined][] = [];
    const status = new MappingStatus((result, problem) => shared.push([result, problem]), () => 0);
    status.sourceRead(); // nothing to clear: nothing shared
    status.sourceFailed('PROBLEM: Source not found: gone');
    status.record(PROCESSING_OK);
    expect(status.sourceProblem).toBe('PROBLEM: Source not found: gone');
    status.sourceRead();
    status.sourceRead();
    expect(status.sourceProblem).toBeUndefined();
    expect(shared).toEqual([
      ['PROBLEM: Source not found: gone', 'PROBLEM: Source not found: gone'],
      [PROCESSING_OK, 'PROBLEM: Source not found: gone'],
      [PROCESSING_OK, undefined],
    ]);
  });

  it('names the cause of a read failure', () => {
    expect(readProblem(named('QueueDoesNotExist', 'The specified queue does not exist.'))).toBe('PROBLEM: Source not found: The specified queue does not exist.');
    expect(readProblem(named('ResourceNotFoundException', 'Stream x not found'))).toBe('PROBLEM: Source not found: Stream x not found');
    expect(readProblem(named('AccessDeniedException', 'no'))).toBe('PROBLEM: Access denied: no');
    expect(readProblem(named('TimeoutError', 'slow'))).toBe('PROBLEM: Source read failed: TimeoutError: slow');
    expect(readProblem('boom')).toBe('PROBLEM: Source read failed: Error: boom');
  });
});
