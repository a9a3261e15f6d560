import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installAdvice, missingPrograms, onPath } from '../../harness/prerequisites.js';

const dirs: string[] = [];
function pathWith(...programs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'esm-path-'));
  dirs.push(dir);
  for (const program of programs) {
    writeFileSync(join(dir, program), '#!/bin/sh\n');
    chmodSync(join(dir, program), 0o755);
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('prerequisites of the local servers', () => {
  it('finds executables on the PATH only', () => {
    const path = pathWith('redis-server');
    writeFileSync(join(path, 'java'), 'not executable');
    expect(onPath('redis-server', path)).toBe(true);
    expect(onPath('java', path)).toBe(false);
  });

  it('names what to install, per server asked for', () => {
    const empty = pathWith();
    expect(missingPrograms(['fauxqs', 'kinesis'], empty)).toEqual([]);
    expect(missingPrograms(['redis', 'dynamodb'], pathWith('redis-server', 'java'))).toEqual([]);
    const missing = missingPrograms(['redis', 'fauxqs', 'dynamodb'], empty);
    expect(missing.map((entry) => entry.program)).toEqual(['redis-server', 'java']);
    expect(installAdvice(missing)).toEqual([
      'missing on the PATH: redis-server, java. Install with:',
      '  Debian/Ubuntu:  sudo apt-get install redis-server default-jre-headless',
      '  macOS:          brew install redis openjdk',
    ]);
    expect(installAdvice([])).toEqual([]);
  });
});
