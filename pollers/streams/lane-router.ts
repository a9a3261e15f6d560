/**
 * Which lane of a shard a record goes to with ParallelizationFactor N: a hash of its partition key (Kinesis) or
 * item keys (DynamoDB) modulo N, so the records of one key always share a lane — they stay in order and never run
 * concurrently — while different keys spread over the lanes (spec §3.5). Pure.
 */
export function laneOf(partitionKey: string, lanes: number): number {
  if (lanes <= 1) return 0;
  // FNV-1a, 32 bits: cheap, stable across processes and restarts, well spread on short keys.
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i += 1) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
