import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { parseConfig } from '../config/load-config.js';
import { defaultRegion, processEnv, type Env } from '../config/env.js';
import { readTemplates } from '../templates/load-templates.js';
import { createLogger } from '../observability/logger.js';
import { Service } from '../service.js';
import { closeRedis, createRedis } from '../redis/redis-connection.js';
import { deleteKeysMatching } from '../redis/delete-keys.js';
import { once } from '../runtime/lifecycle.js';
import type { FunctionFaults } from '../faults/function-faults.js';
import type { FaultsView } from '../faults/fault-registry.js';
import type { JournalEntry } from '../journal/journal-entry.js';
import type { IdleAnswer } from '../idle/idle-waiter.js';

export type { FunctionFaults, FaultsView, JournalEntry, IdleAnswer };

export interface StartEsmPollerOptions {
  /** The configuration, as the YAML file holds it: `functions`, `eventSourceMappings`, and any other section. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Folder relative `handler:` paths resolve against. @defaultValue process.cwd() */
  readonly baseDir?: string;
  /** Redis to use. @defaultValue `config.redis.url`, else `$REDIS_URL`, else redis://127.0.0.1:6379 */
  readonly redisUrl?: string;
  /**
   * Prefix of every Redis key. @defaultValue `config.redis.keyPrefix`, else a throwaway `esm-test-<uuid>` whose keys
   * are removed by `stop()`
   */
  readonly keyPrefix?: string;
  /** Port of the API. @defaultValue 0 (a free port) */
  readonly port?: number;
  /** @defaultValue `config.log.level`, else `silent` */
  readonly logLevel?: string;
  /** AWS SAM / CloudFormation templates or serverless.yml files whose functions and mappings are added (as `--template`). */
  readonly templates?: readonly string[];
  /** Create the queues, streams and tables the templates declare when missing (as `--create-resources`). @defaultValue false */
  readonly createResources?: boolean;
  /** Environment the service reads (`AWS_ENDPOINT_URL_*`, `AWS_REGION`, `${VAR}` in the config). @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface WaitIdleOptions {
  readonly uuid?: string;
  readonly functionName?: string;
  /** @defaultValue 30000 */
  readonly timeoutMs?: number;
}

export interface JournalOptions {
  readonly uuid?: string;
  /** @defaultValue 100 */
  readonly limit?: number;
  /** Only entries after this `seq`. */
  readonly after?: number;
}

/** The faults of one function. */
export interface FunctionFaultsControl {
  set(faults: Partial<FunctionFaults>): Promise<FaultsView>;
  get(): Promise<FaultsView | null>;
  clear(): Promise<void>;
}

/** A service started by {@link startEsmPoller}. */
export interface EsmPoller {
  /** `http://127.0.0.1:<port>`: the Lambda API and `/_esm/*`. */
  readonly url: string;
  /** Prefix of the service's Redis keys. */
  readonly keyPrefix: string;
  /** Resolves once idle; rejects with {@link NotIdleError} (carrying what is pending) when the timeout passes. */
  waitIdle(options?: WaitIdleOptions): Promise<IdleAnswer>;
  /** The last invocations, oldest first. */
  journal(options?: JournalOptions): Promise<JournalEntry[]>;
  faults(functionName: string): FunctionFaultsControl;
  /** Drains and stops the service; removes the keys of a throwaway prefix. Idempotent. */
  stop(): Promise<void>;
}

/** `waitIdle` timed out: `answer` says what is pending per mapping and shard. */
export class NotIdleError extends Error {
  override readonly name = 'NotIdleError';
  constructor(
    message: string,
    readonly answer: IdleAnswer,
  ) {
    super(message);
  }
}

const OPTION_NAMES = new Set(['config', 'baseDir', 'redisUrl', 'keyPrefix', 'port', 'logLevel', 'env', 'templates', 'createResources']);

/**
 * Starts esm-poller in this process for a test run: the configuration object is validated exactly as a file
 * (a problem throws the same ConfigError, listing every field), then the service starts and `url` answers.
 */
export async function startEsmPoller(options: StartEsmPollerOptions): Promise<EsmPoller> {
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new TypeError(`startEsmPoller: option '${key}' is not supported (supported: ${[...OPTION_NAMES].join(', ')})`);
  }
  if (options.createResources && !options.templates?.length) throw new TypeError('startEsmPoller: createResources needs templates');
  const env: Env = options.env ?? processEnv();
  const given = options.config;
  const redisSection = (given.redis ?? {}) as Record<string, unknown>;
  const throwaway = options.keyPrefix === undefined && redisSection.keyPrefix === undefined;
  const keyPrefix = options.keyPrefix ?? (redisSection.keyPrefix as string | undefined) ?? `esm-test-${randomUUID()}`;
  const logSection = (given.log ?? {}) as Record<string, unknown>;
  const region = typeof given.region === 'string' ? given.region : defaultRegion(env);
  const templates = options.templates?.length
    ? (await readTemplates(options.templates, { env, region, createResources: options.createResources ?? false })).declarations
    : undefined;
  const config = parseConfig(
    stringify({
      ...given,
      redis: { ...redisSection, keyPrefix, ...(options.redisUrl !== undefined ? { url: options.redisUrl } : {}) },
      log: { ...logSection, level: options.logLevel ?? logSection.level ?? 'silent' },
    }),
    env,
    options.baseDir ?? process.cwd(),
    templates,
  );
  const service = new Service(config, env, createLogger(config.log.level));
  let port: number;
  try {
    port = await service.start(options.port ?? 0);
  } catch (err) {
    await service.stop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const expectOk = (result: { status: number; body: Record<string, unknown> }, what: string) => {
    if (result.status !== 200) throw new Error(`${what}: HTTP ${result.status}: ${String(result.body.message ?? result.body.Message ?? '')}`);
    return result.body;
  };
  return {
    url,
    keyPrefix,
    async waitIdle(query = {}) {
      const params = new URLSearchParams({
        ...(query.uuid ? { UUID: query.uuid } : {}),
        ...(query.functionName ? { FunctionName: query.functionName } : {}),
        ...(query.timeoutMs !== undefined ? { timeoutMs: String(query.timeoutMs) } : {}),
      });
      const result = await call('POST', `/_esm/wait-idle?${params}`);
      if (result.status === 408) throw new NotIdleError(String(result.body.message), result.body as unknown as IdleAnswer);
      return expectOk(result, 'wait-idle') as unknown as IdleAnswer;
    },
    async journal(query = {}) {
      const params = new URLSearchParams({
        ...(query.uuid ? { UUID: query.uuid } : {}),
        ...(query.limit !== undefined ? { limit: String(query.limit) } : {}),
        ...(query.after !== undefined ? { after: String(query.after) } : {}),
      });
      return expectOk(await call('GET', `/_esm/invocations?${params}`), 'journal').Invocations as JournalEntry[];
    },
    faults(functionName) {
      const path = `/_esm/functions/${encodeURIComponent(functionName)}/faults`;
      return {
        set: async (faults) => expectOk(await call('PUT', path, faults), `faults of ${functionName}`).Faults as FaultsView,
        get: async () => expectOk(await call('GET', path), `faults of ${functionName}`).Faults as FaultsView | null,
        clear: async () => void expectOk(await call('DELETE', path), `faults of ${functionName}`),
      };
    },
    stop: once(async () => {
      await service.stop();
      if (!throwaway) return;
      const redis = createRedis(config.redis.url, createLogger('silent'));
      try {
        await deleteKeysMatching(redis, `${keyPrefix}:*`);
      } finally {
        await closeRedis(redis, 5_000);
      }
    }),
  };
}
