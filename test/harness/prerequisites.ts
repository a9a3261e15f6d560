import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ServerName } from './servers.js';

/** A program a local server needs that is not on the PATH, with what to install to get it. */
export interface MissingProgram {
  readonly program: string;
  /** The servers that cannot start without it. */
  readonly servers: readonly ServerName[];
  /** The package names to install, per platform. */
  readonly install: { readonly debian: string; readonly macos: string };
}

/** Programs on the PATH the local servers need; fauxqs and kinesis-local run on Node and come with `npm ci`. */
const REQUIRED_PROGRAMS: readonly MissingProgram[] = [
  { program: 'redis-server', servers: ['redis'], install: { debian: 'redis-server', macos: 'redis' } },
  { program: 'java', servers: ['dynamodb'], install: { debian: 'default-jre-headless', macos: 'openjdk' } },
];

/** True when `program` is an executable file in one of the PATH's directories. */
export function onPath(program: string, path: string = process.env.PATH ?? ''): boolean {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, program), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The programs the given servers need that the PATH lacks. */
export function missingPrograms(servers: readonly ServerName[], path?: string): MissingProgram[] {
  return REQUIRED_PROGRAMS.filter((required) => required.servers.some((server) => servers.includes(server)) && !onPath(required.program, path));
}

/** The exact commands that install what is missing, for Debian/Ubuntu and for macOS. */
export function installAdvice(missing: readonly MissingProgram[]): string[] {
  if (missing.length === 0) return [];
  return [
    `missing on the PATH: ${missing.map((entry) => entry.program).join(', ')}. Install with:`,
    `  Debian/Ubuntu:  sudo apt-get install ${missing.map((entry) => entry.install.debian).join(' ')}`,
    `  macOS:          brew install ${missing.map((entry) => entry.install.macos).join(' ')}`,
  ];
}
