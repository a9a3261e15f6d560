/** Something a mapping still has to do: where (a shard, or the queue) and what. */
export interface PendingWork {
  readonly shardId?: string;
  readonly reason: string;
}

/**
 * What a running poller answers when asked whether it is idle: the work it still has, considering only what was
 * in its source at `sinceMs` (epoch ms, when the wait began). An empty list means idle.
 */
export interface ActivityProbe {
  pending(sinceMs: number, signal: AbortSignal): Promise<readonly PendingWork[]>;
}

/**
 * The pollers running on this replica, by mapping, for `POST /_esm/wait-idle`. A poller registers its probe once it
 * polls and removes it when it stops; the composition root hands the registry down to every poller.
 */
export class ActivityRegistry {
  private readonly probes = new Map<string, ActivityProbe>();

  /** @returns the function that removes the probe (only if it is still the mapping's) */
  register(uuid: string, probe: ActivityProbe): () => void {
    this.probes.set(uuid, probe);
    return () => {
      if (this.probes.get(uuid) === probe) this.probes.delete(uuid);
    };
  }

  probeOf(uuid: string): ActivityProbe | undefined {
    return this.probes.get(uuid);
  }
}
