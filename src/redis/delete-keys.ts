import { primariesOf, type Redis } from './redis-connection.js';

/** Keys fetched per SCAN step. */
const SCAN_COUNT = 500;

/**
 * Deletes every key matching `pattern` (SCAN + UNLINK, never KEYS: the server keeps serving meanwhile). In a
 * Cluster, SCAN walks one node only, so every primary is walked.
 */
export async function deleteKeysMatching(redis: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  for (const node of primariesOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      // One UNLINK per key: keys found on one node may still span slots (a Cluster refuses CROSSSLOT).
      for (const key of keys) deleted += await node.unlink(key);
    } while (cursor !== '0');
  }
  return deleted;
}
