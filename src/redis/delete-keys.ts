import type { Redis } from './redis-connection.js';

/** Keys fetched per SCAN step. */
const SCAN_COUNT = 500;

/** Deletes every key matching `pattern` (SCAN + UNLINK, never KEYS: the server keeps serving meanwhile). */
export async function deleteKeysMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
