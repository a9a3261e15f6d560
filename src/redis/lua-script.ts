import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Redis } from './redis-connection.js';

/**
 * Redis scripts live as files named `<command>-<numKeys>.lua` next to the module that uses them, each with a
 * header documenting KEYS, ARGV and return codes. The build copies them into dist/ beside the compiled module.
 */
export interface LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  readonly sha1: string;
}

/** Reads `<dir of moduleUrl>/scripts/<fileName>`; the key count comes from the file name. */
export function readLuaScript(moduleUrl: string, fileName: string): LuaScript {
  const match = /^(.+)-(\d+)\.lua$/.exec(fileName);
  if (!match) throw new Error(`Lua script name must be <command>-<numKeys>.lua: ${fileName}`);
  const lua = readFileSync(new URL(`./scripts/${fileName}`, moduleUrl), 'utf8');
  return { name: match[1]!, numberOfKeys: Number(match[2]), lua, sha1: createHash('sha1').update(lua).digest('hex') };
}

/** Runs a script by SHA, loading it on NOSCRIPT (after a Redis restart the script cache is empty). */
export async function evalScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  if (keys.length !== script.numberOfKeys) throw new Error(`${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}
