import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REPO_ROOT } from '../../harness/fixtures.js';
import { uniqueName } from '../../harness/unique-name.js';
import type { FunctionDefinition } from '../../../src/functions/function-definition.js';
import type { Logger } from '../../../src/observability/logger.js';

/** Absolute path of a handler module in test/fixtures/handlers (the fixtures are not compiled). */
export function handlerFile(file: string): string {
  return `${REPO_ROOT}test/fixtures/handlers/${file}`;
}

/** A `handler:` function on a fixture module with a unique name; timeout 3 s and 128 MB unless overridden. */
export function handlerDefinition(
  file: string,
  overrides: Partial<Omit<FunctionDefinition, 'target'>> & { readonly exportName?: string } = {},
): FunctionDefinition {
  const { exportName = 'handler', ...rest } = overrides;
  return {
    name: uniqueName('fn'),
    timeoutSeconds: 3,
    memorySizeMb: 128,
    ...rest,
    target: { type: 'handler', file: handlerFile(file), exportName },
  };
}

/** A debug-level logger whose lines are kept, parsed, for assertions on event names and fields. */
export function captureLogger(): { readonly logger: Logger; readonly lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => lines };
}
