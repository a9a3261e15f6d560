import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ValidationIssue } from './config-error.js';
import { EventInvokeConfigError, validateEventInvokeConfig, type EventInvokeConfig } from '../async/event-invoke-config.js';
import { validateFaults } from '../faults/function-faults.js';
import { parseDestinationArn } from '../destinations/destination-arn.js';
import {
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MEMORY_SIZE_MB,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  MAX_MEMORY_SIZE_MB,
  MIN_MEMORY_SIZE_MB,
  type FunctionDefinition,
  type FunctionTarget,
} from '../functions/function-definition.js';

/** Lambda function names: letters, digits, hyphens and underscores, 1–64 characters. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$/;
const FUNCTION_FIELDS = new Set([
  'handler',
  'url',
  'arn',
  'timeout',
  'memorySize',
  'reservedConcurrency',
  'description',
  'eventInvokeConfig',
  'deadLetterConfig',
  'faults',
  'environment',
]);
/** Lambda's environment variable key pattern. */
const ENVIRONMENT_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
/** Lambda's limit on a function's environment variables, bytes (keys and values together). */
const MAX_ENVIRONMENT_BYTES = 4_096;
/** Variables Lambda sets itself; a function may not set them. */
const RESERVED_ENVIRONMENT_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);
const EVENT_INVOKE_CONFIG_FIELDS = new Set(['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']);
/** Export used when a handler reference names only the file. */
const DEFAULT_HANDLER_EXPORT = 'handler';

/** Validates the `functions:` map; handler paths are resolved against `baseDir` (the config file's folder). */
export function validateFunctions(raw: unknown, baseDir: string, issues: ValidationIssue[], region: string): Map<string, FunctionDefinition> {
  const functions = new Map<string, FunctionDefinition>();
  if (raw === undefined || raw === null) return functions;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ path: 'functions', message: 'must be a map from function name to its target' });
    return functions;
  }
  const functionNames = new Set(Object.keys(raw));
  for (const [name, value] of Object.entries(raw)) {
    const path = `functions.${name}`;
    if (!FUNCTION_NAME.test(name)) {
      issues.push({ path, message: `function name '${name}' must be 1..64 letters, digits, '-' or '_'` });
      continue;
    }
    const definition = validateFunction(name, value, path, baseDir, issues, { functionNames, region });
    if (definition) functions.set(name, definition);
  }
  return functions;
}

function validateFunction(
  name: string,
  raw: unknown,
  path: string,
  baseDir: string,
  issues: ValidationIssue[],
  functions: { readonly functionNames: ReadonlySet<string>; readonly region: string },
): FunctionDefinition | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: 'must be a map with exactly one of handler, url or arn' });
    return undefined;
  }
  const fields = raw as Record<string, unknown>;
  const before = issues.length;
  for (const key of Object.keys(fields)) {
    if (!FUNCTION_FIELDS.has(key)) issues.push({ path: `${path}.${key}`, message: 'is not a supported field' });
  }
  const targets = (['handler', 'url', 'arn'] as const).filter((key) => fields[key] !== undefined);
  if (targets.length !== 1) {
    issues.push({
      path,
      message: targets.length === 0 ? 'needs exactly one of handler, url or arn' : `has ${targets.join(' and ')}; exactly one target is allowed`,
    });
  }
  const target = targets.length === 1 ? validateTarget(targets[0]!, fields[targets[0]!], `${path}.${targets[0]}`, baseDir, issues) : undefined;
  const timeoutSeconds = integerIn(fields.timeout, `${path}.timeout`, 1, MAX_FUNCTION_TIMEOUT_SECONDS, DEFAULT_FUNCTION_TIMEOUT_SECONDS, issues);
  const memorySizeMb = integerIn(fields.memorySize, `${path}.memorySize`, MIN_MEMORY_SIZE_MB, MAX_MEMORY_SIZE_MB, DEFAULT_MEMORY_SIZE_MB, issues);
  const reservedConcurrency =
    fields.reservedConcurrency === undefined
      ? undefined
      : integerIn(fields.reservedConcurrency, `${path}.reservedConcurrency`, 0, 1_000_000, 0, issues);
  const eventInvokeConfig = fields.eventInvokeConfig === undefined ? undefined : readEventInvokeConfig(fields.eventInvokeConfig, name, `${path}.eventInvokeConfig`, functions, issues);
  const deadLetterConfig = fields.deadLetterConfig === undefined ? undefined : readDeadLetterConfig(fields.deadLetterConfig, `${path}.deadLetterConfig`, issues);
  const environment = fields.environment === undefined ? undefined : readEnvironment(fields.environment, `${path}.environment`, issues);
  if (environment && targets.length === 1 && targets[0] !== 'handler') {
    issues.push({ path: `${path}.environment`, message: `applies to handler: functions only (a ${targets[0]}: function runs in its own environment)` });
  }
  const faults = fields.faults === undefined ? undefined : validateFaults(fields.faults, `${path}.faults`, issues, Date.now());
  if (issues.length > before || !target) return undefined;
  return {
    name,
    target,
    timeoutSeconds,
    memorySizeMb,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    ...(eventInvokeConfig ? { eventInvokeConfig } : {}),
    ...(deadLetterConfig ? { deadLetterConfig } : {}),
    ...(faults ? { faults } : {}),
    ...(environment ? { environment } : {}),
  };
}

/** `eventInvokeConfig:` — the fields of PutFunctionEventInvokeConfig, with AWS's ranges and messages. */
function readEventInvokeConfig(
  raw: unknown,
  functionName: string,
  path: string,
  functions: { readonly functionNames: ReadonlySet<string>; readonly region: string },
  issues: ValidationIssue[],
): EventInvokeConfig | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: 'must be a map of MaximumRetryAttempts, MaximumEventAgeInSeconds and DestinationConfig' });
    return undefined;
  }
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !EVENT_INVOKE_CONFIG_FIELDS.has(key));
  for (const key of unknown) issues.push({ path: `${path}.${key}`, message: 'is not a supported field' });
  if (unknown.length > 0) return undefined;
  try {
    return validateEventInvokeConfig(fields, { functionName, ...functions });
  } catch (err) {
    if (!(err instanceof EventInvokeConfigError)) throw err;
    issues.push({ path, message: err.message });
    return undefined;
  }
}

/** `environment:` — a map of variable names to values (scalars are read as text), with Lambda's rules. */
function readEnvironment(raw: unknown, path: string, issues: ValidationIssue[]): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: 'must be a map of variable names to values' });
    return undefined;
  }
  const environment: Record<string, string> = {};
  const before = issues.length;
  for (const [key, value] of Object.entries(raw)) {
    if (!ENVIRONMENT_KEY.test(key)) issues.push({ path: `${path}.${key}`, message: 'is not a valid variable name ([a-zA-Z][a-zA-Z0-9_]+)' });
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') issues.push({ path: `${path}.${key}`, message: `${JSON.stringify(value)} must be a string` });
    else environment[key] = String(value);
  }
  const reserved = Object.keys(environment).filter((key) => RESERVED_ENVIRONMENT_KEYS.has(key));
  if (reserved.length > 0) {
    issues.push({
      path,
      message: `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    });
  }
  const bytes = Object.entries(environment).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes > MAX_ENVIRONMENT_BYTES) issues.push({ path, message: `the variables take ${bytes} bytes; Lambda allows at most ${MAX_ENVIRONMENT_BYTES}` });
  return issues.length > before ? undefined : environment;
}

/** `deadLetterConfig: { TargetArn }` — an SQS queue or SNS topic for asynchronous events that failed. */
function readDeadLetterConfig(raw: unknown, path: string, issues: ValidationIssue[]): { TargetArn: string } | undefined {
  const target = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).TargetArn : undefined;
  const extra = typeof raw === 'object' && raw !== null ? Object.keys(raw).filter((key) => key !== 'TargetArn') : [];
  for (const key of extra) issues.push({ path: `${path}.${key}`, message: 'is not a supported field' });
  if (typeof target !== 'string') {
    issues.push({ path, message: 'must be a map { TargetArn: <SQS queue or SNS topic ARN> }' });
    return undefined;
  }
  let service: string | undefined;
  try {
    service = parseDestinationArn(target).service;
  } catch {
    service = undefined;
  }
  if (service !== 'sqs' && service !== 'sns') {
    issues.push({ path: `${path}.TargetArn`, message: `'${target}' is not an SQS queue or SNS topic ARN: a dead-letter queue is one of those` });
    return undefined;
  }
  return extra.length > 0 ? undefined : { TargetArn: target };
}

function validateTarget(kind: 'handler' | 'url' | 'arn', value: unknown, path: string, baseDir: string, issues: ValidationIssue[]): FunctionTarget | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path, message: `must be a non-empty string, got ${JSON.stringify(value)}` });
    return undefined;
  }
  switch (kind) {
    case 'handler': {
      const hash = value.lastIndexOf('#');
      const file = hash === -1 ? value : value.slice(0, hash);
      const exportName = hash === -1 ? DEFAULT_HANDLER_EXPORT : value.slice(hash + 1);
      if (file === '' || exportName === '') {
        issues.push({ path, message: `'${value}' must look like ./path/file.mjs#exportName` });
        return undefined;
      }
      const absolute = isAbsolute(file) ? file : resolve(baseDir, file);
      // Checked at load so that `validate` and `start` report a wrong path, not the first invocation.
      if (!existsSync(absolute)) {
        issues.push({ path, message: `'${file}' resolves to ${absolute}, which does not exist` });
        return undefined;
      }
      return { type: 'handler', file: absolute, exportName };
    }
    case 'url': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        issues.push({ path, message: `'${value}' is not a valid URL` });
        return undefined;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        issues.push({ path, message: `'${value}' must be an http:// or https:// URL` });
        return undefined;
      }
      return { type: 'url', url: value };
    }
    case 'arn':
      if (!LAMBDA_ARN.test(value)) {
        issues.push({ path, message: `'${value}' is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])` });
        return undefined;
      }
      return { type: 'arn', arn: value };
  }
}

/** An integer within [min, max], or `fallback` when absent; adds an issue naming the value and range. */
export function integerIn(value: unknown, path: string, min: number, max: number, fallback: number, issues: ValidationIssue[]): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    issues.push({ path, message: `${JSON.stringify(value)} is not an integer` });
    return fallback;
  }
  if (value < min || value > max) {
    issues.push({ path, message: `${value} is out of range ${min}..${max}` });
    return fallback;
  }
  return value;
}
