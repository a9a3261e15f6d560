import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ValidationIssue } from './config-error.js';
import { defaultRegion, type Env } from './env.js';
import { interpolate } from './interpolate.js';
import { integerIn, validateFunctions } from './validate-functions.js';
import { REDIS_FIELDS, validateRedis } from './validate-redis.js';
import {
  DEFAULT_ASYNC_CONCURRENCY,
  DEFAULT_ASYNC_TIME_SCALE,
  DEFAULT_DRAIN_TIMEOUT_SECONDS,
  DEFAULT_FUNCTION_OUTPUT_LEVEL,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_URL,
  DEFAULT_SERVER_HOST,
  DEFAULT_SERVER_PORT,
  DEFAULT_STREAM_IDLE_POLL_INTERVAL_MS,
  LOG_LEVELS,
  type ApiCredential,
  type LogLevel,
  type ServiceConfig,
} from './service-config.js';
import { validateMapping } from '../mappings/validate-mapping.js';
import type { EventSourceMapping } from '../mappings/event-source-mapping.js';
import { duplicateMappingMessage } from '../mappings/mapping-store.js';
import { DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_JOURNAL_SIZE, JOURNAL_RECORD_MODES } from '../journal/invocation-journal.js';

const TOP_LEVEL_FIELDS = new Set(['functions', 'eventSourceMappings', 'redis', 'server', 'log', 'region', 'shutdown', 'streams', 'async', 'journal']);

/** Reads, interpolates and validates a YAML configuration file. Throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: Env, extra?: ExtraDeclarations): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: file, message: `cannot read the configuration file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, env, dirname(resolve(file)), extra);
}

/**
 * Functions and mappings declared outside the file (a SAM / serverless.yml template), added to the file's before
 * validation; a problem in them is reported at their template path.
 */
export interface ExtraDeclarations {
  readonly functions: Readonly<Record<string, unknown>>;
  readonly functionPaths: Readonly<Record<string, string>>;
  readonly eventSourceMappings: readonly { readonly mapping: unknown; readonly path: string }[];
}

/** Parses configuration text; relative handler paths resolve against `baseDir`. */
export function parseConfig(text: string, env: Env, baseDir: string, extra?: ExtraDeclarations): ServiceConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({ path: `(yaml line ${lines.linePos(error.pos[0]).line})`, message: error.message.split('\n')[0]! })),
    );
  }
  let parsed: unknown;
  try {
    // toJS resolves aliases: an unknown anchor or an alias bomb (billion laughs) throws here.
    parsed = document.toJS();
  } catch (err) {
    throw new ConfigError([{ path: '(yaml)', message: (err as Error).message }]);
  }
  const issues: ValidationIssue[] = [];
  let raw = interpolate(parsed ?? {}, env, '', issues);
  const rename = extra ? withExtra(raw, extra, issues) : undefined;
  if (rename) raw = rename.raw;
  const config = validateConfig(raw, env, baseDir, issues);
  if (issues.length > 0 || !config) throw new ConfigError(rename ? issues.map(rename.path) : issues);
  return deepFreeze(config);
}

function validateConfig(raw: unknown, env: Env, baseDir: string, issues: ValidationIssue[]): ServiceConfig | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path: '(root)', message: 'the configuration must be a YAML map' });
    return undefined;
  }
  const root = raw as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_FIELDS.has(key)) issues.push({ path: key, message: 'is not a supported field' });
  }
  const region = root.region ?? defaultRegion(env);
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) issues.push({ path: 'region', message: `${JSON.stringify(region)} is not a region name` });
  const functions = validateFunctions(root.functions, baseDir, issues, String(region));
  const functionNames = new Set(functions.keys());
  // Names of functions that failed validation still count as defined, so their mappings are not reported twice.
  if (isMap(root.functions)) for (const name of Object.keys(root.functions)) functionNames.add(name);

  const mappings: EventSourceMapping[] = [];
  if (root.eventSourceMappings !== undefined && root.eventSourceMappings !== null) {
    if (!Array.isArray(root.eventSourceMappings)) {
      issues.push({ path: 'eventSourceMappings', message: 'must be a list of event source mappings' });
    } else {
      root.eventSourceMappings.forEach((entry, index) => {
        const result = validateMapping(entry, { path: `eventSourceMappings[${index}]`, functionNames });
        issues.push(...result.issues);
        if (result.mapping) mappings.push(result.mapping);
      });
    }
  }
  reportDuplicates(mappings, issues);

  const redis = section(root, 'redis', REDIS_FIELDS, issues);
  const server = section(root, 'server', ['host', 'port', 'credentials'], issues);
  const log = section(root, 'log', ['level', 'functionOutput'], issues);
  const shutdown = section(root, 'shutdown', ['drainTimeoutSeconds'], issues);
  const streams = section(root, 'streams', ['idlePollIntervalMs'], issues);
  const asyncSection = section(root, 'async', ['concurrency', 'timeScale'], issues);
  const journal = section(root, 'journal', ['size', 'maxBytes', 'records'], issues);
  const journalRecords = journal.records ?? 'full';
  if (!JOURNAL_RECORD_MODES.includes(journalRecords as 'full')) {
    issues.push({ path: 'journal.records', message: `${JSON.stringify(journalRecords)} is not one of ${JOURNAL_RECORD_MODES.join(', ')}` });
  }

  const level = logLevelOr(log.level, 'info', 'log.level', issues);
  const functionOutput = logLevelOr(log.functionOutput, DEFAULT_FUNCTION_OUTPUT_LEVEL, 'log.functionOutput', issues);

  return {
    functions,
    eventSourceMappings: mappings,
    redis: validateRedis(
      redis,
      redisUrl(stringOr(redis.url, env.REDIS_URL || DEFAULT_REDIS_URL, 'redis.url', issues), issues),
      stringOr(redis.keyPrefix, DEFAULT_REDIS_KEY_PREFIX, 'redis.keyPrefix', issues),
      issues,
    ),
    server: {
      host: stringOr(server.host, DEFAULT_SERVER_HOST, 'server.host', issues),
      port: integerIn(server.port, 'server.port', 0, 65535, DEFAULT_SERVER_PORT, issues),
      credentials: readCredentials(server.credentials, issues),
    },
    log: { level, functionOutput },
    region: String(region),
    shutdown: { drainTimeoutSeconds: integerIn(shutdown.drainTimeoutSeconds, 'shutdown.drainTimeoutSeconds', 0, 3600, DEFAULT_DRAIN_TIMEOUT_SECONDS, issues) },
    streams: {
      idlePollIntervalMs: integerIn(streams.idlePollIntervalMs, 'streams.idlePollIntervalMs', 0, 60_000, DEFAULT_STREAM_IDLE_POLL_INTERVAL_MS, issues),
    },
    async: {
      concurrency: integerIn(asyncSection.concurrency, 'async.concurrency', 1, 1_000, DEFAULT_ASYNC_CONCURRENCY, issues),
      timeScale: numberIn(asyncSection.timeScale, 'async.timeScale', 0.0001, 1, DEFAULT_ASYNC_TIME_SCALE, issues),
    },
    journal: {
      size: integerIn(journal.size, 'journal.size', 0, 100_000, DEFAULT_JOURNAL_SIZE, issues),
      maxBytes: integerIn(journal.maxBytes, 'journal.maxBytes', 1_024, 1_073_741_824, DEFAULT_JOURNAL_MAX_BYTES, issues),
      records: journalRecords as 'full' | 'ids',
    },
  };
}

/** The file's sections with the extra declarations added, and how to name an issue of theirs by its template path. */
function withExtra(raw: unknown, extra: ExtraDeclarations, issues: ValidationIssue[]): { raw: unknown; path: (issue: ValidationIssue) => ValidationIssue } | undefined {
  if (!isMap(raw)) return undefined;
  const functions = isMap(raw.functions) ? { ...raw.functions } : {};
  for (const [name, definition] of Object.entries(extra.functions)) {
    if (Object.hasOwn(functions, name)) issues.push({ path: extra.functionPaths[name] ?? name, message: `function ${name} is also declared under functions: in the configuration file` });
    else functions[name] = definition;
  }
  const fileMappings = Array.isArray(raw.eventSourceMappings) ? raw.eventSourceMappings : [];
  const offset = fileMappings.length;
  const rename = (issue: ValidationIssue): ValidationIssue => {
    const mapping = /^eventSourceMappings\[(\d+)\](.*)$/.exec(issue.path);
    if (mapping && Number(mapping[1]) >= offset) return { ...issue, path: `${extra.eventSourceMappings[Number(mapping[1]) - offset]!.path}${mapping[2]}` };
    const fn = /^functions\.([^.]+)(.*)$/.exec(issue.path);
    const templatePath = fn ? extra.functionPaths[fn[1]!] : undefined;
    return templatePath && !Object.hasOwn(isMap(raw.functions) ? raw.functions : {}, fn![1]!) ? { ...issue, path: `${templatePath}${fn![2]}` } : issue;
  };
  return { raw: { ...raw, functions, eventSourceMappings: [...fileMappings, ...extra.eventSourceMappings.map((entry) => entry.mapping)] }, path: rename };
}

/** The same function and source twice is a conflict, as CreateEventSourceMapping reports it (spec §1.3). */
function reportDuplicates(mappings: readonly EventSourceMapping[], issues: ValidationIssue[]): void {
  const seen = new Map<string, EventSourceMapping>();
  const seenUuids = new Set<string>();
  mappings.forEach((mapping, index) => {
    const key = `${mapping.FunctionName}\n${mapping.EventSourceArn}`;
    const first = seen.get(key);
    if (first) {
      issues.push({ path: `eventSourceMappings[${index}]`, message: duplicateMappingMessage(mapping, first.UUID) });
    } else if (seenUuids.has(mapping.UUID)) {
      issues.push({ path: `eventSourceMappings[${index}].UUID`, message: `${mapping.UUID} is used by another mapping` });
    }
    seen.set(key, first ?? mapping);
    seenUuids.add(mapping.UUID);
  });
}

/** `server.credentials`: a list of `{ accessKeyId, secretAccessKey }`, each key id once. */
function readCredentials(value: unknown, issues: ValidationIssue[]): ApiCredential[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.push({ path: 'server.credentials', message: 'must be a list of { accessKeyId, secretAccessKey }' });
    return [];
  }
  const credentials: ApiCredential[] = [];
  const seen = new Set<string>();
  value.forEach((entry, index) => {
    const path = `server.credentials[${index}]`;
    if (!isMap(entry)) return void issues.push({ path, message: 'must be a map { accessKeyId, secretAccessKey }' });
    for (const key of Object.keys(entry)) {
      if (key !== 'accessKeyId' && key !== 'secretAccessKey') issues.push({ path: `${path}.${key}`, message: 'is not a supported field' });
    }
    const { accessKeyId, secretAccessKey } = entry;
    if (typeof accessKeyId !== 'string' || !/^[A-Za-z0-9]{1,128}$/.test(accessKeyId)) {
      return void issues.push({ path: `${path}.accessKeyId`, message: `${JSON.stringify(accessKeyId)} must be 1..128 letters and digits` });
    }
    if (typeof secretAccessKey !== 'string' || secretAccessKey === '') {
      return void issues.push({ path: `${path}.secretAccessKey`, message: 'must be a non-empty string' });
    }
    if (seen.has(accessKeyId)) return void issues.push({ path: `${path}.accessKeyId`, message: `${accessKeyId} is listed twice` });
    seen.add(accessKeyId);
    credentials.push({ accessKeyId, secretAccessKey });
  });
  return credentials;
}

function section(root: Record<string, unknown>, name: string, fields: readonly string[], issues: ValidationIssue[]): Record<string, unknown> {
  const value = root[name];
  if (value === undefined || value === null) return {};
  if (!isMap(value)) {
    issues.push({ path: name, message: 'must be a map' });
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) issues.push({ path: `${name}.${key}`, message: 'is not a supported field' });
  }
  return value;
}

function numberIn(value: unknown, path: string, min: number, max: number, fallback: number, issues: ValidationIssue[]): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    issues.push({ path, message: `${JSON.stringify(value)} must be a number in ${min}..${max}` });
    return fallback;
  }
  return value;
}

/** A `redis://` or `rediss://` URL (the service reads host, port, user, password and database from it). */
function redisUrl(value: string, issues: ValidationIssue[]): string {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    issues.push({ path: 'redis.url', message: `${JSON.stringify(value)} is not a redis:// or rediss:// URL` });
    return DEFAULT_REDIS_URL;
  }
  return value;
}

function logLevelOr(value: unknown, fallback: LogLevel, path: string, issues: ValidationIssue[]): LogLevel {
  if (value === undefined || value === null) return fallback;
  if (!LOG_LEVELS.includes(value as LogLevel)) {
    issues.push({ path, message: `${JSON.stringify(value)} is not one of ${LOG_LEVELS.join(', ')}` });
    return fallback;
  }
  return value as LogLevel;
}

function stringOr(value: unknown, fallback: string, path: string, issues: ValidationIssue[]): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || value === '') {
    issues.push({ path, message: `${JSON.stringify(value)} must be a non-empty string` });
    return fallback;
  }
  return value;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return Object.freeze(value);
}
