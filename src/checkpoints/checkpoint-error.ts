/** A checkpoint write tried to move a shard's position backwards (a bug: the engine never does so on purpose). */
export class CheckpointRegressionError extends Error {
  override readonly name = 'CheckpointRegressionError';

  constructor(
    readonly shardId: string,
    readonly attempted: string,
    readonly stored: string,
  ) {
    super(`checkpoint of ${shardId} would move backwards from ${stored} to ${attempted}`);
  }
}
