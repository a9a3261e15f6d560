import type { ValidationIssue } from '../config/config-error.js';
import { validateFilterCriteria } from '../batch/filter-criteria.js';
import type { EventSourceMapping, FilterCriteria, StartingPosition } from './event-source-mapping.js';
import {
  DEFAULT_BATCHING_WINDOW_SECONDS,
  DEFAULT_BISECT_BATCH_ON_FUNCTION_ERROR,
  DEFAULT_PARALLELIZATION_FACTOR,
  DEFAULT_RECORD_AGE_SECONDS,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_SQS_BATCH_SIZE,
  DEFAULT_STREAM_BATCH_SIZE,
  DEFAULT_TUMBLING_WINDOW_SECONDS,
  INFINITE_RECORD_AGE_SECONDS,
  INFINITE_RETRY_ATTEMPTS,
  MAX_BATCH_SIZE,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_DESTINATION_ARN_CHARS,
  MAX_FILTER_PATTERN_CHARS,
  MAX_FILTERS_PER_MAPPING,
  MAX_FUNCTION_NAME_CHARS,
  MAX_MAXIMUM_CONCURRENCY,
  MAX_PARALLELIZATION_FACTOR,
  MAX_RECORD_AGE_SECONDS,
  MAX_RETRY_ATTEMPTS,
  MAX_SQS_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_SQS_FIFO_BATCH_SIZE,
  MAX_TUMBLING_WINDOW_SECONDS,
  MIN_BATCH_SIZE,
  MIN_BATCHING_WINDOW_SECONDS,
  MIN_FUNCTION_NAME_CHARS,
  MIN_MAXIMUM_CONCURRENCY,
  MIN_PARALLELIZATION_FACTOR,
  MIN_RECORD_AGE_SECONDS,
  MIN_TUMBLING_WINDOW_SECONDS,
  MIN_PROVISIONED_POLLERS,
  MAX_MINIMUM_POLLERS,
  MAX_MAXIMUM_POLLERS,
  DEFAULT_MINIMUM_POLLERS,
  DEFAULT_MAXIMUM_POLLERS,
  MAX_KMS_KEY_ARN_CHARS,
} from './mapping-limits.js';
import { isUuid, mappingUuid } from './mapping-uuid.js';
import { parseSourceArn, type SourceArn } from './source-arn.js';

export { mappingUuid } from './mapping-uuid.js';

export interface MappingValidationResult {
  /** Present only when `issues` is empty. */
  mapping?: EventSourceMapping;
  issues: ValidationIssue[];
}

export interface MappingValidationOptions {
  /** Where the mapping sits, e.g. `eventSourceMappings[1]`; every issue path starts with it. */
  path: string;
  /** Names of the configured functions; `FunctionName` must be one of them (or its ARN). */
  functionNames: ReadonlySet<string>;
  /** Clock used to refuse a StartingPositionTimestamp in the future, epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
}

// AWS wording (spec §1.2–1.3, AWS-recorded or quoted from AWS error responses).
const UNRECOGNIZED_EVENT_SOURCE = 'Unrecognized event source.';
const FUNCTION_DOES_NOT_EXIST = 'Function does not exist';
const FUNCTION_NAME_NULL = "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null.";
const STARTING_POSITION_NULL = "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.";
const SQS_WINDOW_REQUIRED = 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10';
const FIFO_WINDOW_UNSUPPORTED = 'Batching window is not supported for FIFO queues';
const RECORD_AGE_RULE = 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)';
const startingPositionNotInEnum = (value: string): string =>
  `1 validation error detected: Value '${value}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]`;
const unsupportedStartingPosition = (arn: string): string => `Unsupported starting position for arn type: ${arn}`;
const unsupportedParameter = (field: string): string => `Unsupported ${field} parameter for given event source mapping type.`;
/** LocalStack snapshots recorded against AWS (test_api.snapshot.json, 2025-02). */
const STARTING_POSITION_ON_SQS = 'StartingPosition is not valid for SQS event sources.';
const TIMESTAMP_WITHOUT_AT_TIMESTAMP = 'Timestamp only valid with StartingPosition AT_TIMESTAMP';
const PROVISIONED_WITH_MAXIMUM_CONCURRENCY = 'ProvisionedPollerConfig and ScalingConfig.MaximumConcurrency cannot be set together.';
const MINIMUM_ABOVE_MAXIMUM_POLLERS = 'MinimumPollers must be less than or equal to MaximumPollers.';
/** AWS refuses the combination; its exact wording is not on record. */
const TUMBLING_WINDOW_WITH_PARALLELIZATION = 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.';

const MAPPING_FIELDS = new Set([
  'UUID',
  'FunctionName',
  'EventSourceArn',
  'Enabled',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'StartingPosition',
  'StartingPositionTimestamp',
  'ParallelizationFactor',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'DestinationConfig',
  'FunctionResponseTypes',
  'FilterCriteria',
  'ScalingConfig',
  'TumblingWindowInSeconds',
  'MetricsConfig',
  'ProvisionedPollerConfig',
  'KMSKeyArn',
]);
/** Parameters of Kafka, Amazon MQ and DocumentDB mappings: refused on SQS, Kinesis and DynamoDB Streams (spec §9). */
export const OTHER_SOURCE_FIELDS = [
  'Topics',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
  'LoggingConfig',
] as const;
/**
 * The Lambda API model's range of each integer member (BOTO shapes); a value outside it is a ValidationException,
 * a value inside it that the source kind does not allow an InvalidParameterValueException.
 */
const MODEL_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  BatchSize: [1, 10_000],
  MaximumBatchingWindowInSeconds: [0, 300],
  ParallelizationFactor: [1, 10],
  MaximumRetryAttempts: [-1, 10_000],
  MaximumRecordAgeInSeconds: [-1, 604_800],
  TumblingWindowInSeconds: [0, 900],
  'ScalingConfig.MaximumConcurrency': [2, 1000],
  'ProvisionedPollerConfig.MinimumPollers': [1, 200],
  'ProvisionedPollerConfig.MaximumPollers': [1, 10_000],
};
const METRICS = ['EventCount', 'ErrorCount', 'KafkaMetrics'] as const;
/** Parameters AWS accepts only on Kinesis and DynamoDB Streams mappings. */
const STREAM_ONLY_FIELDS = [
  'StartingPosition',
  'StartingPositionTimestamp',
  'ParallelizationFactor',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'TumblingWindowInSeconds',
  'DestinationConfig',
] as const;
/** Parameters AWS accepts only on SQS mappings. */
const SQS_ONLY_FIELDS = ['ScalingConfig', 'ProvisionedPollerConfig'] as const;

const STARTING_POSITIONS: readonly StartingPosition[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];
const REPORT_BATCH_ITEM_FAILURES = 'ReportBatchItemFailures';
/** A function name, or its full or partial ARN (optionally `:$LATEST`), resolved to the name. */
const FUNCTION_REFERENCE = /^(?:arn:(?:aws|aws-cn|aws-us-gov):lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([A-Za-z0-9_-]{1,64})(?::\$LATEST)?$/;
/** On-failure destinations of stream mappings: an SQS queue, an SNS topic or an S3 bucket. */
const DESTINATION_ARNS = [
  /^arn:(aws|aws-cn|aws-us-gov):sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/,
  /^arn:(aws|aws-cn|aws-us-gov):sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
  /^arn:(aws|aws-cn|aws-us-gov):s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
];
/** The Lambda API model's KMSKeyArn pattern (any ARN, or empty). */
const KMS_KEY_ARN = /^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$/;
/** ISO 8601 date or date-time; a date-time without offset is read as UTC. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Fields = Readonly<Record<string, unknown>>;

/** Where issues go: the mapping's path and the source named in range messages ("for Kinesis"). */
interface Context {
  readonly path: string;
  readonly issues: ValidationIssue[];
  readonly sourceLabel?: string;
}

/**
 * Validates one raw mapping (as parsed from YAML, AWS field names) at `path` (e.g. 'eventSourceMappings[1]').
 * Checks every CreateEventSourceMapping rule for the source kind named by the ARN, in AWS's wording where AWS has
 * one, and reports all problems found. On success the mapping has every default filled in: stream-only fields are
 * undefined for SQS and SQS-only fields undefined for streams.
 */
export function validateMapping(raw: unknown, options: MappingValidationOptions): MappingValidationResult {
  const issues: ValidationIssue[] = [];
  if (!isRecord(raw)) {
    issues.push({ path: options.path, message: `${show(raw)} is not a map of CreateEventSourceMapping fields (FunctionName, EventSourceArn, …)` });
    return { issues };
  }
  for (const key of Object.keys(raw)) {
    if ((OTHER_SOURCE_FIELDS as readonly string[]).includes(key)) {
      if (present(raw[key])) issues.push({ path: `${options.path}.${key}`, message: unsupportedParameter(key) });
    } else if (!MAPPING_FIELDS.has(key)) {
      issues.push({ path: `${options.path}.${key}`, message: 'is not a supported field' });
    }
  }
  const base: Context = { path: options.path, issues };
  const functionName = readFunctionName(base, raw.FunctionName, options.functionNames);
  const source = readEventSourceArn(base, raw.EventSourceArn);
  const ctx: Context = source ? { ...base, sourceLabel: labelOf(source) } : base;
  const isSqs = source?.kind === 'sqs';
  const isStream = source !== undefined && !isSqs;

  // Fields of the other family are refused outright; with an unrecognised source both families are only type-checked.
  for (const field of isSqs ? STREAM_ONLY_FIELDS : isStream ? SQS_ONLY_FIELDS : []) {
    if (!present(raw[field])) continue;
    const startingPosition = isSqs && (field === 'StartingPosition' || field === 'StartingPositionTimestamp');
    report(ctx, field, startingPosition ? STARTING_POSITION_ON_SQS : unsupportedParameter(field));
  }

  const UUID = readUuid(ctx, raw.UUID);
  const Enabled = readBoolean(ctx, 'Enabled', raw.Enabled, true);
  const BatchSize = readInteger(
    ctx,
    'BatchSize',
    raw.BatchSize,
    MIN_BATCH_SIZE,
    source?.fifo ? MAX_SQS_FIFO_BATCH_SIZE : MAX_BATCH_SIZE,
    isSqs ? DEFAULT_SQS_BATCH_SIZE : DEFAULT_STREAM_BATCH_SIZE,
  );
  const MaximumBatchingWindowInSeconds = readInteger(
    ctx,
    'MaximumBatchingWindowInSeconds',
    raw.MaximumBatchingWindowInSeconds,
    MIN_BATCHING_WINDOW_SECONDS,
    MAX_BATCHING_WINDOW_SECONDS,
    DEFAULT_BATCHING_WINDOW_SECONDS,
  );
  if (source?.fifo && MaximumBatchingWindowInSeconds !== undefined && MaximumBatchingWindowInSeconds > 0) {
    report(ctx, 'MaximumBatchingWindowInSeconds', FIFO_WINDOW_UNSUPPORTED);
  }
  const sqsBatchNeedsWindow = isSqs && !source.fifo && BatchSize !== undefined && BatchSize > MAX_SQS_BATCH_SIZE_WITHOUT_WINDOW;
  if (sqsBatchNeedsWindow && MaximumBatchingWindowInSeconds === 0) {
    report(ctx, 'BatchSize', SQS_WINDOW_REQUIRED);
  }
  const FunctionResponseTypes = readFunctionResponseTypes(ctx, raw.FunctionResponseTypes);
  const FilterCriteria = readFilterCriteria(ctx, raw.FilterCriteria, source);
  const ScalingConfig = isStream ? undefined : readScalingConfig(ctx, raw.ScalingConfig);
  const ProvisionedPollerConfig = isStream ? undefined : readProvisionedPollerConfig(ctx, raw.ProvisionedPollerConfig);
  if (ScalingConfig?.MaximumConcurrency !== undefined && ProvisionedPollerConfig) {
    report(ctx, 'ProvisionedPollerConfig', PROVISIONED_WITH_MAXIMUM_CONCURRENCY);
  }
  const MetricsConfig = readMetricsConfig(ctx, raw.MetricsConfig);
  const KMSKeyArn = readKmsKeyArn(ctx, raw.KMSKeyArn);
  const streamFields = isSqs ? undefined : readStreamFields(ctx, raw, source, options.now ?? Date.now);

  if (issues.length > 0 || !source || functionName === undefined || UUID === undefined) return { issues };
  const mapping: EventSourceMapping = {
    UUID: UUID === null ? mappingUuid(functionName, source.arn) : UUID,
    FunctionName: functionName,
    EventSourceArn: source.arn,
    sourceKind: source.kind,
    fifo: source.fifo,
    Enabled: Enabled!,
    BatchSize: BatchSize!,
    MaximumBatchingWindowInSeconds: MaximumBatchingWindowInSeconds!,
    FunctionResponseTypes: FunctionResponseTypes!,
    ...(FilterCriteria ? { FilterCriteria } : {}),
    ...(ScalingConfig ? { ScalingConfig } : {}),
    ...(ProvisionedPollerConfig ? { ProvisionedPollerConfig } : {}),
    ...(MetricsConfig ? { MetricsConfig } : {}),
    ...(KMSKeyArn ? { KMSKeyArn } : {}),
    ...streamFields,
  };
  return { mapping, issues };
}

/** Stream-only parameters with their defaults; for an unrecognised source only their types are checked. */
function readStreamFields(ctx: Context, raw: Fields, source: SourceArn | undefined, now: () => number): Partial<EventSourceMapping> {
  const integer = (field: string, min: number, max: number, fallback: number): number | undefined =>
    readInteger(ctx, field, raw[field], min, max, fallback);
  const starting = readStartingPosition(ctx, raw, source, now);
  const ParallelizationFactor = integer('ParallelizationFactor', MIN_PARALLELIZATION_FACTOR, MAX_PARALLELIZATION_FACTOR, DEFAULT_PARALLELIZATION_FACTOR);
  const TumblingWindowInSeconds = integer('TumblingWindowInSeconds', MIN_TUMBLING_WINDOW_SECONDS, MAX_TUMBLING_WINDOW_SECONDS, DEFAULT_TUMBLING_WINDOW_SECONDS);
  // A shard's window state is one value: AWS refuses a window with more than one batch per shard in flight.
  const windowed = TumblingWindowInSeconds !== undefined && TumblingWindowInSeconds > DEFAULT_TUMBLING_WINDOW_SECONDS;
  if (windowed && ParallelizationFactor !== undefined && ParallelizationFactor > DEFAULT_PARALLELIZATION_FACTOR) {
    report(ctx, 'TumblingWindowInSeconds', TUMBLING_WINDOW_WITH_PARALLELIZATION);
  }
  return {
    ...starting,
    ParallelizationFactor,
    MaximumRetryAttempts: integer('MaximumRetryAttempts', INFINITE_RETRY_ATTEMPTS, MAX_RETRY_ATTEMPTS, DEFAULT_RETRY_ATTEMPTS),
    MaximumRecordAgeInSeconds: readRecordAge(ctx, raw.MaximumRecordAgeInSeconds),
    BisectBatchOnFunctionError: readBoolean(ctx, 'BisectBatchOnFunctionError', raw.BisectBatchOnFunctionError, DEFAULT_BISECT_BATCH_ON_FUNCTION_ERROR),
    TumblingWindowInSeconds,
    DestinationConfig: readDestinationConfig(ctx, raw.DestinationConfig),
  };
}

/** −1 or 60..604800: values 0..59 lie inside the API model's range, yet AWS refuses them with its own message. */
function readRecordAge(ctx: Context, value: unknown): number | undefined {
  const field = 'MaximumRecordAgeInSeconds';
  const age = readInteger(ctx, field, value, -Infinity, Infinity, DEFAULT_RECORD_AGE_SECONDS, false);
  if (age === undefined || age === INFINITE_RECORD_AGE_SECONDS || (age >= MIN_RECORD_AGE_SECONDS && age <= MAX_RECORD_AGE_SECONDS)) return age;
  const range = `-1 or ${MIN_RECORD_AGE_SECONDS}..${MAX_RECORD_AGE_SECONDS}`;
  const model = MODEL_RANGES[field]!;
  const outsideModel = age < model[0] || age > model[1];
  return void report(ctx, field, `${age} is out of range ${range}${forSource(ctx)}: ${RECORD_AGE_RULE}`, {
    name: outsideModel ? 'ValidationException' : 'InvalidParameterValueException',
    message: outsideModel ? modelRangeMessage(field, age, model) : RECORD_AGE_RULE,
  });
}

function readFunctionName(ctx: Context, value: unknown, functionNames: ReadonlySet<string>): string | undefined {
  if (!present(value)) return void report(ctx, 'FunctionName', FUNCTION_NAME_NULL);
  if (typeof value !== 'string') return void typeIssue(ctx, 'FunctionName', `${show(value)} is not a string`);
  if (value.length < MIN_FUNCTION_NAME_CHARS || value.length > MAX_FUNCTION_NAME_CHARS) {
    const range = `${MIN_FUNCTION_NAME_CHARS}..${MAX_FUNCTION_NAME_CHARS}`;
    return void report(ctx, 'FunctionName', `${show(value)} must be ${range} characters long (got ${value.length})`);
  }
  if (functionNames.has(value)) return value;
  const name = FUNCTION_REFERENCE.exec(value)?.[1];
  if (name !== undefined && functionNames.has(name)) return name;
  return void report(ctx, 'FunctionName', FUNCTION_DOES_NOT_EXIST);
}

function readEventSourceArn(ctx: Context, value: unknown): SourceArn | undefined {
  if (present(value) && typeof value !== 'string') return void typeIssue(ctx, 'EventSourceArn', `${show(value)} is not a string`);
  const source = typeof value === 'string' ? parseSourceArn(value) : undefined;
  if (!source) report(ctx, 'EventSourceArn', UNRECOGNIZED_EVENT_SOURCE);
  return source;
}

/** The configured UUID, `null` when none is given (one is derived), undefined when invalid. */
function readUuid(ctx: Context, value: unknown): string | null | undefined {
  if (!present(value)) return null;
  if (typeof value === 'string' && isUuid(value)) return value;
  return void report(ctx, 'UUID', `${show(value)} is not a UUID (8-4-4-4-12 hexadecimal digits)`);
}

/** StartingPosition (required for streams) and its timestamp, stored as epoch seconds. */
function readStartingPosition(ctx: Context, raw: Fields, source: SourceArn | undefined, now: () => number): Partial<EventSourceMapping> {
  const value = raw.StartingPosition;
  let position: StartingPosition | undefined;
  if (!present(value)) {
    if (source) report(ctx, 'StartingPosition', STARTING_POSITION_NULL);
  } else if (typeof value !== 'string' || !STARTING_POSITIONS.includes(value as StartingPosition)) {
    const message = startingPositionNotInEnum(typeof value === 'string' ? value : show(value));
    report(ctx, 'StartingPosition', message, { name: 'ValidationException', message });
  } else if (value === 'AT_TIMESTAMP' && source?.kind === 'dynamodb') {
    report(ctx, 'StartingPosition', unsupportedStartingPosition(source.arn));
  } else {
    position = value as StartingPosition;
  }

  const rawTimestamp = raw.StartingPositionTimestamp;
  if (!present(rawTimestamp)) {
    if (position === 'AT_TIMESTAMP') report(ctx, 'StartingPositionTimestamp', 'is required when StartingPosition is AT_TIMESTAMP');
    return position ? { StartingPosition: position } : {};
  }
  const seconds = timestampSeconds(rawTimestamp);
  if (seconds === undefined) {
    report(ctx, 'StartingPositionTimestamp', `${show(rawTimestamp)} is not a timestamp (epoch seconds or an ISO 8601 date-time)`);
  } else if (seconds * 1000 > now()) {
    report(ctx, 'StartingPositionTimestamp', `${show(rawTimestamp)} is in the future`);
  } else if (position !== undefined && position !== 'AT_TIMESTAMP') {
    report(ctx, 'StartingPositionTimestamp', `is only allowed with StartingPosition AT_TIMESTAMP (StartingPosition is ${position})`, {
      name: 'InvalidParameterValueException',
      message: TIMESTAMP_WITHOUT_AT_TIMESTAMP,
    });
  }
  if (position === undefined) return {};
  return position === 'AT_TIMESTAMP' ? { StartingPosition: position, StartingPositionTimestamp: seconds } : { StartingPosition: position };
}

function timestampSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime() / 1000;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(' ', 'T');
  const iso = ISO_TIMESTAMP.exec(text);
  if (!iso) return undefined;
  const hasTimeWithoutOffset = text.length > 10 && iso[1] === undefined;
  const millis = Date.parse(hasTimeWithoutOffset ? `${text}Z` : text);
  return Number.isNaN(millis) ? undefined : millis / 1000;
}

function readDestinationConfig(ctx: Context, value: unknown): EventSourceMapping['DestinationConfig'] {
  if (!present(value)) return { OnFailure: {} };
  if (!isRecord(value)) return void typeIssue(ctx, 'DestinationConfig', `${show(value)} is not a map such as { OnFailure: { Destination: <arn> } }`);
  for (const key of Object.keys(value)) {
    if (key === 'OnSuccess') {
      if (present(value.OnSuccess)) report(ctx, 'DestinationConfig.OnSuccess', unsupportedParameter('DestinationConfig'));
    } else if (key !== 'OnFailure') {
      report(ctx, `DestinationConfig.${key}`, 'is not a supported field');
    }
  }
  const onFailure = value.OnFailure;
  if (!present(onFailure)) return { OnFailure: {} };
  if (!isRecord(onFailure)) return void typeIssue(ctx, 'DestinationConfig.OnFailure', `${show(onFailure)} is not a map such as { Destination: <arn> }`);
  for (const key of Object.keys(onFailure)) {
    if (key !== 'Destination') report(ctx, `DestinationConfig.OnFailure.${key}`, 'is not a supported field');
  }
  const destination = onFailure.Destination;
  if (!present(destination) || destination === '') return { OnFailure: {} };
  const path = 'DestinationConfig.OnFailure.Destination';
  if (typeof destination === 'string' && destination.startsWith('kafka://')) return void report(ctx, path, unsupportedParameter('DestinationConfig'));
  if (typeof destination !== 'string') return void typeIssue(ctx, path, `${show(destination)} is not a string`);
  if (destination.length > MAX_DESTINATION_ARN_CHARS) {
    return void report(ctx, path, `is ${destination.length} characters long; at most ${MAX_DESTINATION_ARN_CHARS} are allowed`);
  }
  if (!DESTINATION_ARNS.some((pattern) => pattern.test(destination))) {
    return void report(ctx, path, `${show(destination)} is not an SQS queue, SNS topic or S3 bucket ARN`);
  }
  return { OnFailure: { Destination: destination } };
}

function readFunctionResponseTypes(ctx: Context, value: unknown): readonly 'ReportBatchItemFailures'[] | undefined {
  if (!present(value)) return [];
  if (!Array.isArray(value)) return void typeIssue(ctx, 'FunctionResponseTypes', `${show(value)} is not a list such as [${REPORT_BATCH_ITEM_FAILURES}]`);
  const before = ctx.issues.length;
  value.forEach((item, index) => {
    if (item !== REPORT_BATCH_ITEM_FAILURES) {
      report(ctx, `FunctionResponseTypes[${index}]`, `${show(item)} is not one of ${REPORT_BATCH_ITEM_FAILURES}`, {
        name: 'ValidationException',
        message: `1 validation error detected: Value '[${value.join(', ')}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${REPORT_BATCH_ITEM_FAILURES}]]`,
      });
    }
  });
  if (value.length > 1) report(ctx, 'FunctionResponseTypes', `has ${value.length} items; at most 1 (${REPORT_BATCH_ITEM_FAILURES}) is allowed`);
  return ctx.issues.length > before ? undefined : value.length === 0 ? [] : [REPORT_BATCH_ITEM_FAILURES];
}

/** `{}` and `{ Filters: [] }` mean no filtering (undefined), as AWS treats them. */
function readFilterCriteria(ctx: Context, value: unknown, source: SourceArn | undefined): FilterCriteria | undefined {
  if (!present(value)) return undefined;
  if (!isRecord(value)) return void typeIssue(ctx, 'FilterCriteria', `${show(value)} is not a map such as { Filters: [{ Pattern: <json> }] }`);
  for (const key of Object.keys(value)) {
    if (key !== 'Filters') report(ctx, `FilterCriteria.${key}`, 'is not a supported field');
  }
  const filters = value.Filters;
  if (!present(filters)) return undefined;
  if (!Array.isArray(filters)) return void typeIssue(ctx, 'FilterCriteria.Filters', `${show(filters)} is not a list of { Pattern: <json> }`);
  if (filters.length === 0) return undefined;
  const before = ctx.issues.length;
  if (filters.length > MAX_FILTERS_PER_MAPPING) {
    report(ctx, 'FilterCriteria.Filters', `${filters.length} filters exceed the limit of ${MAX_FILTERS_PER_MAPPING} per event source mapping`);
  }
  const patterns: { Pattern: string }[] = [];
  filters.forEach((filter, index) => {
    const path = `FilterCriteria.Filters[${index}]`;
    if (!isRecord(filter)) return typeIssue(ctx, path, `${show(filter)} is not a map such as { Pattern: <json> }`);
    for (const key of Object.keys(filter)) {
      if (key !== 'Pattern') report(ctx, `${path}.${key}`, 'is not a supported field');
    }
    const pattern = filter.Pattern;
    if (typeof pattern !== 'string') return typeIssue(ctx, `${path}.Pattern`, `${show(pattern)} is not a string (a JSON filter pattern)`);
    if (pattern.length > MAX_FILTER_PATTERN_CHARS) {
      return report(ctx, `${path}.Pattern`, `is ${pattern.length} characters long; at most ${MAX_FILTER_PATTERN_CHARS} are allowed`);
    }
    patterns.push({ Pattern: pattern });
  });
  if (ctx.issues.length > before) return undefined;
  const criteria: FilterCriteria = { Filters: patterns };
  const error = source ? validateFilterCriteria(criteria, source.kind) : undefined;
  if (error !== undefined) return void report(ctx, 'FilterCriteria', error);
  return criteria;
}

/** `ScalingConfig: {}` means no cap (undefined). */
function readScalingConfig(ctx: Context, value: unknown): EventSourceMapping['ScalingConfig'] {
  if (!present(value)) return undefined;
  if (!isRecord(value)) return void typeIssue(ctx, 'ScalingConfig', `${show(value)} is not a map such as { MaximumConcurrency: 2..1000 }`);
  for (const key of Object.keys(value)) {
    if (key !== 'MaximumConcurrency') report(ctx, `ScalingConfig.${key}`, 'is not a supported field');
  }
  if (!present(value.MaximumConcurrency)) return undefined;
  const maximum = readInteger(ctx, 'ScalingConfig.MaximumConcurrency', value.MaximumConcurrency, MIN_MAXIMUM_CONCURRENCY, MAX_MAXIMUM_CONCURRENCY, undefined);
  return maximum === undefined ? undefined : { MaximumConcurrency: maximum };
}

/** An integer within min..max; `fallback` when absent; undefined (with an issue) when invalid. */
function readInteger(ctx: Context, field: string, value: unknown, min: number, max: number, fallback: number, checkModel?: boolean): number;
function readInteger(ctx: Context, field: string, value: unknown, min: number, max: number, fallback: number | undefined): number | undefined;
function readInteger(ctx: Context, field: string, value: unknown, min: number, max: number, fallback: number | undefined, checkModel = true): number | undefined {
  if (!present(value)) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) return void typeIssue(ctx, field, `${show(value)} is not an integer`);
  const model = checkModel ? MODEL_RANGES[field] : undefined;
  if (model && (value < model[0] || value > model[1])) {
    const message = `${value} is out of range ${min}..${max}${forSource(ctx)}`;
    return void report(ctx, field, message, { name: 'ValidationException', message: modelRangeMessage(field, value, model) });
  }
  if (value < min || value > max) {
    const message = `${value} is out of range ${min}..${max}${forSource(ctx)}`;
    return void report(ctx, field, message, {
      name: 'InvalidParameterValueException',
      message: `${field.split('.').at(-1)} must be between ${min} and ${max}${forSource(ctx)}.`,
    });
  }
  return value;
}

function readBoolean(ctx: Context, field: string, value: unknown, fallback: boolean): boolean | undefined {
  if (!present(value)) return fallback;
  if (typeof value !== 'boolean') return void typeIssue(ctx, field, `${show(value)} is not a boolean (true or false)`);
  return value;
}

/** `1 validation error detected: …` as the Lambda API model reports a number outside its range. */
function modelRangeMessage(field: string, value: number, [min, max]: readonly [number, number]): string {
  const member = field
    .split('.')
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join('.');
  const constraint = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
  return `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value ${constraint}`;
}

/** A value of the wrong JSON type: the API's deserializer refuses the whole request before validation. */
function typeIssue(ctx: Context, field: string, message: string): void {
  report(ctx, field, message, { name: 'InvalidRequestContentException', message: `Could not parse request body into json: ${field}: ${message}` });
}

/** `{ Metrics: ['EventCount'] }`; an empty list means none (undefined). ErrorCount and KafkaMetrics are Kafka-only. */
function readMetricsConfig(ctx: Context, value: unknown): EventSourceMapping['MetricsConfig'] {
  if (!present(value)) return undefined;
  if (!isRecord(value)) return void typeIssue(ctx, 'MetricsConfig', `${show(value)} is not a map such as { Metrics: [EventCount] }`);
  for (const key of Object.keys(value)) {
    if (key !== 'Metrics') report(ctx, `MetricsConfig.${key}`, 'is not a supported field');
  }
  const metrics = value.Metrics;
  if (!present(metrics)) return undefined;
  if (!Array.isArray(metrics)) return void typeIssue(ctx, 'MetricsConfig.Metrics', `${show(metrics)} is not a list such as [EventCount]`);
  const before = ctx.issues.length;
  if (metrics.length > METRICS.length) {
    report(ctx, 'MetricsConfig.Metrics', `has ${metrics.length} items; at most ${METRICS.length} are allowed`, {
      name: 'ValidationException',
      message: `1 validation error detected: Value '[${metrics.join(', ')}]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must have length less than or equal to ${METRICS.length}`,
    });
  }
  metrics.forEach((metric, index) => {
    if (!METRICS.includes(metric as (typeof METRICS)[number])) {
      report(ctx, `MetricsConfig.Metrics[${index}]`, `${show(metric)} is not one of ${METRICS.join(', ')}`, {
        name: 'ValidationException',
        message: `1 validation error detected: Value '[${metrics.join(', ')}]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${METRICS.join(', ')}]]`,
      });
    } else if (metric !== 'EventCount') {
      report(ctx, `MetricsConfig.Metrics[${index}]`, unsupportedParameter('MetricsConfig'));
    }
  });
  if (ctx.issues.length > before || metrics.length === 0) return undefined;
  return { Metrics: ['EventCount'] };
}

/** SQS provisioned mode; `{}` means on-demand (undefined). A missing bound takes its default. */
function readProvisionedPollerConfig(ctx: Context, value: unknown): EventSourceMapping['ProvisionedPollerConfig'] {
  if (!present(value)) return undefined;
  if (!isRecord(value)) {
    return void typeIssue(ctx, 'ProvisionedPollerConfig', `${show(value)} is not a map such as { MinimumPollers: 2..200, MaximumPollers: 2..10000 }`);
  }
  for (const key of Object.keys(value)) {
    if (key === 'PollerGroupName') {
      if (present(value[key])) report(ctx, `ProvisionedPollerConfig.${key}`, unsupportedParameter('PollerGroupName'));
    } else if (key !== 'MinimumPollers' && key !== 'MaximumPollers') {
      report(ctx, `ProvisionedPollerConfig.${key}`, 'is not a supported field');
    }
  }
  if (!present(value.MinimumPollers) && !present(value.MaximumPollers)) return undefined;
  const field = (name: string, max: number, fallback: number): number | undefined =>
    readInteger(ctx, `ProvisionedPollerConfig.${name}`, value[name], MIN_PROVISIONED_POLLERS, max, fallback);
  const minimum = field('MinimumPollers', MAX_MINIMUM_POLLERS, DEFAULT_MINIMUM_POLLERS);
  const maximum = field('MaximumPollers', MAX_MAXIMUM_POLLERS, DEFAULT_MAXIMUM_POLLERS);
  if (minimum === undefined || maximum === undefined) return undefined;
  if (minimum > maximum) return void report(ctx, 'ProvisionedPollerConfig', `${MINIMUM_ABOVE_MAXIMUM_POLLERS} (${minimum} > ${maximum})`, {
    name: 'InvalidParameterValueException',
    message: MINIMUM_ABOVE_MAXIMUM_POLLERS,
  });
  return { MinimumPollers: minimum, MaximumPollers: maximum };
}

/** A KMS key ARN; `""` reverts to the AWS-owned key (undefined). */
function readKmsKeyArn(ctx: Context, value: unknown): string | undefined {
  if (!present(value) || value === '') return undefined;
  if (typeof value !== 'string') return void typeIssue(ctx, 'KMSKeyArn', `${show(value)} is not a string`);
  if (value.length > MAX_KMS_KEY_ARN_CHARS || !KMS_KEY_ARN.test(value)) {
    return void report(ctx, 'KMSKeyArn', `${show(value)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`, {
      name: 'ValidationException',
      message: `1 validation error detected: Value '${value}' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`,
    });
  }
  return value;
}

function labelOf(source: SourceArn): string {
  if (source.kind === 'sqs') return source.fifo ? 'SQS FIFO' : 'SQS';
  return source.kind === 'kinesis' ? 'Kinesis' : 'DynamoDB Streams';
}

function forSource(ctx: Context): string {
  return ctx.sourceLabel ? ` for ${ctx.sourceLabel}` : '';
}

function report(ctx: Context, field: string, message: string, api?: ValidationIssue['api']): void {
  ctx.issues.push({ path: `${ctx.path}.${field}`, message, ...(api ? { api } : {}) });
}

/** YAML `Field:` with no value parses as null; like AWS's JSON, null means "not given". */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
