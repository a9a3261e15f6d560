import type { FunctionDefinition } from '../functions/function-definition.js';
import type { EventSourceMapping } from '../mappings/event-source-mapping.js';
import type { RedisConfig } from './validate-redis.js';
import type { JournalSettings } from '../journal/invocation-journal.js';

/** The whole configuration after validation: defaults filled, frozen, never read from the environment again. */
export interface ServiceConfig {
  readonly functions: ReadonlyMap<string, FunctionDefinition>;
  readonly eventSourceMappings: readonly EventSourceMapping[];
  readonly redis: RedisConfig;
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Access keys the API accepts; when any are set, every API request must carry a SigV4 signature made with one. */
    readonly credentials: readonly ApiCredential[];
  };
  readonly log: {
    readonly level: LogLevel;
    /** Level at which what `handler:` functions print is logged (`function_log`); below `level` it is hidden. */
    readonly functionOutput: LogLevel;
  };
  /** Region used in the ARNs of configured functions and for SDK clients without a region of their own. */
  readonly region: string;
  readonly shutdown: { readonly drainTimeoutSeconds: number };
  readonly streams: { readonly idlePollIntervalMs: number };
  /** Asynchronous invocation (InvocationType Event). */
  readonly async: {
    /** Events invoked at once by one process. */
    readonly concurrency: number;
    /** Multiplies every asynchronous retry wait and maximum event age; 1 = AWS's timings, smaller for tests. */
    readonly timeScale: number;
  };
  /** The invocation journal (`GET /_esm/invocations`). */
  readonly journal: JournalSettings;
}

/** An access key pair clients sign API requests with (AWS Signature Version 4). */
export interface ApiCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What handlers print is shown at the default log level, as Lambda's log stream shows it. */
export const DEFAULT_FUNCTION_OUTPUT_LEVEL: LogLevel = 'info';
/** Port of the HTTP server (Lambda API, /metrics, /healthz, /readyz) when neither config nor --port sets one. */
export const DEFAULT_SERVER_PORT = 9050;
export const DEFAULT_SERVER_HOST = '127.0.0.1';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_REDIS_KEY_PREFIX = 'esm-poller';
/** How long SIGTERM waits for in-flight invocations before exiting anyway. */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 30;
/** Pause between polls of a caught-up shard: AWS polls each shard once per second when idle (spec §3.5). */
export const DEFAULT_STREAM_IDLE_POLL_INTERVAL_MS = 1_000;
/** Asynchronous events invoked at once by one process. */
export const DEFAULT_ASYNC_CONCURRENCY = 32;
/** AWS's asynchronous timings unscaled. */
export const DEFAULT_ASYNC_TIME_SCALE = 1;
