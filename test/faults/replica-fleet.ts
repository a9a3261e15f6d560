import { startService, type RunningService } from '../harness/service-process.js';
import type { TestServers } from '../harness/servers.js';

/** One slot of the fleet: its name (the path of its function URL) and the process running in it, if any. */
export interface Replica {
  readonly name: string;
  service: RunningService | undefined;
}

/**
 * A fleet of service processes sharing one Redis prefix, each started from `config(name)`. Slots keep their
 * names across restarts so the ledger can say which slot delivered what.
 */
export class ReplicaFleet {
  readonly replicas: Replica[];

  constructor(
    private readonly servers: TestServers,
    private readonly config: (name: string) => string,
    size: number,
    private readonly env: Record<string, string> = {},
  ) {
    this.replicas = Array.from({ length: size }, (_, i) => ({ name: `r${i}`, service: undefined }));
  }

  /** Starts every slot that has no process, in parallel. */
  async start(): Promise<void> {
    await Promise.all(this.replicas.filter((replica) => !replica.service).map((replica) => this.restart(replica)));
  }

  /** Starts a process in `replica`'s slot (which must be empty). */
  async restart(replica: Replica): Promise<RunningService> {
    if (replica.service) throw new Error(`${replica.name} is running`);
    replica.service = await startService({ servers: this.servers, config: this.config(replica.name), env: this.env });
    return replica.service;
  }

  get live(): Replica[] {
    return this.replicas.filter((replica) => replica.service !== undefined);
  }

  /** The slot whose process has this pid (lease owners carry the pid). */
  byPid(pid: number): Replica | undefined {
    return this.replicas.find((replica) => replica.service?.pid === pid);
  }

  /** SIGKILLs the process of `replica` and waits until it is gone; the slot is left empty. */
  async kill(replica: Replica): Promise<void> {
    const service = replica.service;
    if (!service) return;
    service.kill();
    await service.exited;
    replica.service = undefined;
  }

  /** SIGTERMs the process of `replica` and waits for it to exit (SIGKILL after `timeoutMs`); returns its exit code. */
  async terminate(replica: Replica, timeoutMs = 30_000): Promise<number | null> {
    const service = replica.service;
    if (!service) return null;
    const code = await service.stop('SIGTERM', timeoutMs);
    replica.service = undefined;
    return code;
  }

  /** Stops every process (SIGKILL: nothing after the test depends on a clean stop). */
  async close(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => this.kill(replica)));
  }
}
