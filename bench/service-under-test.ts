import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/harness/repo-root.js';
import type { TestServers } from '../test/harness/servers.js';
import { startService, type RunningService } from '../test/harness/service-process.js';
import { waitFor } from '../test/harness/wait-for.js';
import { epochMs, processCpuSeconds, processMemoryMb } from './process-sampler.js';

/** The benchmark's function module (see its header for what it records). */
export const RECORDING_HANDLER = join(REPO_ROOT, 'bench/handlers/recording-handler.mjs');
/** Name of the one function every benchmark configuration declares. */
export const BENCH_FUNCTION = 'bench';
/** `/readyz` is probed this often, so that "ready" is timed within a few milliseconds. */
const READY_POLL_INTERVAL_MS = 5;
/** A loaded machine may take long to start the service; the clock starts at ready anyway. */
const READY_TIMEOUT_MS = 180_000;

/** One invocation as the recording handler saw it. */
export interface RecordedInvocation {
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly shard?: string;
  /** Send timestamps of the records (latency scenarios only). */
  readonly sent?: readonly number[];
}

export interface ServiceUnderTestOptions {
  readonly servers: TestServers;
  /** The `eventSourceMappings` entries. */
  readonly mappings: readonly Record<string, unknown>[];
  /** The function's `reservedConcurrency` (the concurrency under test); unset: unreserved. */
  readonly reservedConcurrency?: number;
  /** `streams.idlePollIntervalMs`; unset: the service default. */
  readonly idlePollIntervalMs?: number;
  /** The handler adds the records' send timestamps to what it records. */
  readonly latency?: boolean;
  /** Time the handler spends on every invocation before it returns, ms; unset: none. */
  readonly handlerDelayMs?: number;
  /** Directory for `--cpu-prof` profiles of the service's threads. */
  readonly profileDir?: string;
  /** Extra environment of the service (e.g. another `AWS_ENDPOINT_URL_KINESIS`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The built CLI started as `npm start` runs it (`node dist/cli.js start --config FILE`), with the recording
 * handler as its function, in its own process: what users run, measured from outside.
 */
export class ServiceUnderTest {
  private constructor(
    private readonly service: RunningService,
    private readonly dir: string,
    private readonly recordFile: string,
    /** Epoch ms just before the spawn. */
    readonly spawnedAt: number,
    /** Epoch ms when `/readyz` first answered 200. */
    readonly readyAt: number,
    /** CPU seconds the process had used when it was ready. */
    private readonly cpuAtReady: number,
  ) {}

  static async start(options: ServiceUnderTestOptions): Promise<ServiceUnderTest> {
    const dir = mkdtempSync(join(tmpdir(), 'esm-bench-'));
    const recordFile = join(dir, 'invocations.jsonl');
    const config = {
      functions: {
        [BENCH_FUNCTION]: {
          handler: `${RECORDING_HANDLER}#handler`,
          timeout: 30,
          ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
        },
      },
      eventSourceMappings: options.mappings.map((mapping) => ({ FunctionName: BENCH_FUNCTION, ...mapping })),
      redis: { keyPrefix: `bench-${process.pid}-${Date.now()}` },
      ...(options.idlePollIntervalMs !== undefined ? { streams: { idlePollIntervalMs: options.idlePollIntervalMs } } : {}),
    };
    const env: Record<string, string> = { ...options.env, BENCH_RECORD_FILE: recordFile, BENCH_LATENCY: options.latency ? '1' : '0', BENCH_HANDLER_DELAY_MS: String(options.handlerDelayMs ?? 0) };
    const spawnedAt = epochMs();
    // JSON is YAML: the configuration file is written as JSON.
    const service = await startService({
      config: JSON.stringify(config, null, 2),
      servers: options.servers,
      env,
      readyPollIntervalMs: READY_POLL_INTERVAL_MS,
      readyTimeoutMs: READY_TIMEOUT_MS,
      ...(options.profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] } : {}),
    });
    const readyAt = epochMs();
    return new ServiceUnderTest(service, dir, recordFile, spawnedAt, readyAt, processCpuSeconds(service.pid));
  }

  get pid(): number {
    return this.service.pid;
  }

  /** `keyPrefix` of the service's Redis keys. */
  get keyPrefix(): string {
    const config = JSON.parse(readFileSync(this.service.configFile, 'utf8')) as { redis: { keyPrefix: string } };
    return config.redis.keyPrefix;
  }

  /** CPU seconds of the service process (every thread) since it was ready. */
  cpuSecondsSinceReady(): number {
    return processCpuSeconds(this.service.pid) - this.cpuAtReady;
  }

  cpuSeconds(): number {
    return processCpuSeconds(this.service.pid);
  }

  memory(): { rssMb: number; peakRssMb: number } {
    return processMemoryMb(this.service.pid);
  }

  /** Every invocation recorded so far, in the order they ended. */
  invocations(): RecordedInvocation[] {
    if (!existsSync(this.recordFile)) return [];
    return readFileSync(this.recordFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RecordedInvocation);
  }

  /** Waits until the handler has seen `records` records in all; returns the invocations. */
  async awaitRecords(records: number, timeoutMs = 300_000): Promise<RecordedInvocation[]> {
    return waitFor(
      () => {
        const seen = this.invocations();
        return seen.reduce((sum, invocation) => sum + invocation.count, 0) >= records ? seen : undefined;
      },
      { timeoutMs, intervalMs: 20, message: `the service did not invoke the function with ${records} records` },
    );
  }

  /** SIGTERM and wait for a clean exit (profiles are written then); the temporary files go. */
  async stop(): Promise<void> {
    const code = await this.service.stop('SIGTERM', 30_000);
    rmSync(this.dir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`the service exited with ${code}: ${this.service.stderr.slice(-2_000)}`);
  }
}
