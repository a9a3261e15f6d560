/**
 * The lease a write was made under is no longer the shard's current lease (taken by another worker after it
 * expired or was handed over): the writer must stop processing the shard without writing anything.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';

  constructor(
    readonly shardId: string,
    readonly owner: string,
    readonly counter: number,
  ) {
    super(`lease on ${shardId} (owner ${owner}, counter ${counter}) is no longer held`);
  }
}
