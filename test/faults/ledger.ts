import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** One record of one delivered event, as the ledger writes it down. */
export interface LedgerEntry {
  /** The record's unique id (put there by the traffic generator). */
  readonly id: string;
  /** What order is kept within: a shard, an item key, a message group; undefined where no order is promised. */
  readonly group: string | undefined;
  /** Position within the group (a sequence number); increasing in source order. */
  readonly position: bigint;
  /** Which replica delivered it (the path of its function URL). */
  readonly replica: string;
  /** `Date.now()` when the request arrived and when it was answered (or its connection dropped). */
  readonly receivedAt: number;
  answeredAt: number;
  /** Size of the whole event (request body) that carried it. */
  readonly eventBytes: number;
  /** Number of the request that carried it (0, 1, … in arrival order): the records of one event share it. */
  readonly request: number;
}

/** Reads the records of one event: how each source's event carries id, group and position. */
export type RecordReader = (event: unknown) => readonly Omit<LedgerEntry, 'replica' | 'receivedAt' | 'answeredAt' | 'eventBytes' | 'request'>[];

/** How the ledger answers one event: after `delayMs`, with `body` (JSON unless a string) and `status`. */
export interface LedgerAnswer {
  readonly delayMs?: number;
  /** Drop the connection instead of answering (a function that crashed). */
  readonly crash?: boolean;
  readonly status?: number;
  readonly body?: unknown;
}

/** What {@link Ledger.check} found. */
export interface LedgerVerdict {
  readonly pushed: number;
  /** Distinct pushed ids delivered at least once. */
  readonly delivered: number;
  /** Deliveries beyond the first of an id. */
  readonly duplicated: number;
  /** Pushed ids never delivered (and not in the failure destination). */
  readonly lost: readonly string[];
  /** Groups whose first deliveries came out of source order, with the first offending pair. */
  readonly orderBroken: readonly string[];
  /** Pairs of requests for one group from two replicas at once. */
  readonly overlaps: readonly string[];
}

/**
 * A `url:` function target that keeps a ledger of every record delivered: its id, group, position, which
 * replica sent it (each replica calls its own path) and when. The fault scenarios check it at the end.
 */
export class Ledger {
  readonly entries: LedgerEntry[] = [];
  private readonly firstSeen = new Map<string, number>();
  private server: ReturnType<typeof createServer> | undefined;
  private port = 0;
  private requests = 0;
  private answer: (entries: readonly LedgerEntry[]) => LedgerAnswer | undefined = () => undefined;

  constructor(private readonly read: RecordReader) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const receivedAt = Date.now();
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const replica = (request.url ?? '/').slice(1);
        let records: ReturnType<RecordReader> = [];
        const body = Buffer.concat(chunks);
        try {
          records = this.read(JSON.parse(body.toString('utf8')));
        } catch {
          // Not an event of ours (a probe): answered like any other.
        }
        const requestNumber = this.requests++;
        const entries = records.map((record) => ({ ...record, replica, receivedAt, answeredAt: Infinity, eventBytes: body.length, request: requestNumber }));
        for (const entry of entries) {
          this.entries.push(entry);
          if (!this.firstSeen.has(entry.id)) this.firstSeen.set(entry.id, receivedAt);
        }
        const close = () => {
          const at = Date.now();
          for (const entry of entries) if (entry.answeredAt === Infinity) entry.answeredAt = at;
        };
        response.on('close', close);
        const reply = this.answer(entries) ?? {};
        void (reply.delayMs ? delay(reply.delayMs) : Promise.resolve()).then(() => {
          if (response.destroyed) return;
          if (reply.crash) return void response.socket?.destroy();
          const text = reply.body === undefined ? 'null' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          response.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
          response.end(text);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The function URL replica `name` is given. */
  urlFor(name: string): string {
    return `http://127.0.0.1:${this.port}/${name}`;
  }

  /** Decides how the next events are answered (default: at once, 200 `null`). */
  answerWith(answer: (entries: readonly LedgerEntry[]) => LedgerAnswer | undefined): void {
    this.answer = answer;
  }

  /** How many of `ids` were delivered at least once. */
  deliveredCount(ids: Iterable<string>): number {
    let count = 0;
    for (const id of ids) if (this.firstSeen.has(id)) count++;
    return count;
  }

  has(id: string): boolean {
    return this.firstSeen.has(id);
  }

  /** When `id` was first delivered (epoch ms). */
  firstDeliveredAt(id: string): number | undefined {
    return this.firstSeen.get(id);
  }

  /**
   * Checks the promise against `pushed` (ids in the order they were pushed): each delivered at least once or
   * listed in `elsewhere` (the failure destination), first deliveries in order per group, and no group
   * handled by two replicas at the same time.
   */
  check(pushed: readonly string[], elsewhere: ReadonlySet<string> = new Set()): LedgerVerdict {
    const wanted = new Set(pushed);
    const seen = new Set<string>();
    let duplicated = 0;
    const lastPosition = new Map<string, bigint>();
    const orderBroken: string[] = [];
    for (const entry of this.entries) {
      if (!wanted.has(entry.id)) continue;
      if (seen.has(entry.id)) {
        duplicated++;
        continue;
      }
      seen.add(entry.id);
      if (entry.group === undefined) continue;
      const last = lastPosition.get(entry.group);
      if (last !== undefined && entry.position <= last && orderBroken.length < 10) orderBroken.push(`${entry.group}: ${entry.id} at ${entry.position} after ${last}`);
      lastPosition.set(entry.group, entry.position);
    }
    const lost = pushed.filter((id) => !seen.has(id) && !elsewhere.has(id));
    return { pushed: pushed.length, delivered: seen.size, duplicated, lost, orderBroken, overlaps: this.overlaps() };
  }

  /** Requests for one group by two different replicas whose times overlap (a shard owned twice). */
  private overlaps(): string[] {
    const byGroup = new Map<string, { replica: string; from: number; to: number }[]>();
    const requestKey = new Set<string>();
    for (const entry of this.entries) {
      if (entry.group === undefined) continue;
      const key = `${entry.group}|${entry.replica}|${entry.receivedAt}`;
      if (requestKey.has(key)) continue;
      requestKey.add(key);
      const list = byGroup.get(entry.group) ?? [];
      list.push({ replica: entry.replica, from: entry.receivedAt, to: entry.answeredAt });
      byGroup.set(entry.group, list);
    }
    const found: string[] = [];
    for (const [group, requests] of byGroup) {
      requests.sort((a, b) => a.from - b.from);
      // The request that ends last among those seen so far: a later one from another replica must start after it.
      let open = requests[0]!;
      for (const current of requests.slice(1)) {
        if (open.replica !== current.replica && current.from < open.to && found.length < 10) found.push(`${group}: ${open.replica} until ${open.to}, ${current.replica} from ${current.from}`);
        if (current.to >= open.to) open = current;
      }
    }
    return found;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
