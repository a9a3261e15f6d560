import { parseDestinationArn } from '../destinations/destination-arn.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';

/**
 * A function's asynchronous invocation settings (spec §6.2, `PutFunctionEventInvokeConfig`), with AWS's field
 * names, ranges and error texts. Pure: the config file and the event invoke config API both validate here.
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
 */
export interface EventInvokeConfig {
  readonly MaximumRetryAttempts?: number;
  readonly MaximumEventAgeInSeconds?: number;
  readonly DestinationConfig?: {
    readonly OnSuccess?: { readonly Destination?: string };
    readonly OnFailure?: { readonly Destination?: string };
  };
}

/** Retries after a function error when the config sets none (AWS's default). */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const MAX_MAXIMUM_RETRY_ATTEMPTS = 2;
/** How long an event is kept and retried when the config sets no limit: 6 h (AWS's default and maximum). */
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;
export const MIN_MAXIMUM_EVENT_AGE_SECONDS = 60;
export const MAX_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

/** AWS's pattern for a destination ARN (`destinationConfig.onSuccess.destination`). */
const DESTINATION_ARN_PATTERN = /^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const DESTINATION_ARN_PATTERN_TEXT = '^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';

/** The error names the API answers with; config-file validation reports only the message. */
export type EventInvokeConfigErrorName = 'InvalidParameterValueException' | 'ValidationException';

export class EventInvokeConfigError extends Error {
  constructor(
    override readonly name: EventInvokeConfigErrorName,
    message: string,
  ) {
    super(message);
  }
}

export interface ValidateEventInvokeConfigOptions {
  /** The function the settings belong to (it may not be its own destination). */
  readonly functionName: string;
  /** Configured functions: a function destination must name one. */
  readonly functionNames: ReadonlySet<string>;
  /** The service's region: a function destination must be in it, in the local account. */
  readonly region: string;
}

/**
 * Validates the request members of Put/UpdateFunctionEventInvokeConfig (members other than the three settings
 * are ignored, as AWS ignores unknown JSON members). Returns the settings with only the members given.
 * @throws EventInvokeConfigError with AWS's name and message for the first problem.
 */
export function validateEventInvokeConfig(raw: Readonly<Record<string, unknown>>, options: ValidateEventInvokeConfigOptions): EventInvokeConfig {
  const retries = raw.MaximumRetryAttempts;
  const age = raw.MaximumEventAgeInSeconds;
  const destinations = raw.DestinationConfig;
  if (absent(retries) && absent(age) && absent(destinations)) {
    throw new EventInvokeConfigError('InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
  }
  const config: { -readonly [K in keyof EventInvokeConfig]: EventInvokeConfig[K] } = {};
  if (!absent(retries)) config.MaximumRetryAttempts = integerIn(retries, 'maximumRetryAttempts', 0, MAX_MAXIMUM_RETRY_ATTEMPTS);
  if (!absent(age)) config.MaximumEventAgeInSeconds = integerIn(age, 'maximumEventAgeInSeconds', MIN_MAXIMUM_EVENT_AGE_SECONDS, MAX_MAXIMUM_EVENT_AGE_SECONDS);
  if (!absent(destinations)) config.DestinationConfig = destinationConfig(destinations, options);
  return config;
}

function destinationConfig(raw: unknown, options: ValidateEventInvokeConfigOptions): NonNullable<EventInvokeConfig['DestinationConfig']> {
  if (!isRecord(raw)) throw new EventInvokeConfigError('ValidationException', `Value '${String(raw)}' at 'destinationConfig' failed to satisfy constraint: Member must be a structure`);
  const onSuccess = destinationOf(raw.OnSuccess, 'onSuccess');
  const onFailure = destinationOf(raw.OnFailure, 'onFailure');
  const invalid = (): EventInvokeConfigError =>
    new EventInvokeConfigError(
      'InvalidParameterValueException',
      `The provided destination config DestinationConfig(onSuccess=${onSuccess ? `OnSuccess(destination=${onSuccess})` : 'null'}, onFailure=${onFailure ? `OnFailure(destination=${onFailure})` : 'null'}) is invalid.`,
    );
  for (const [arn, when] of [
    [onSuccess, 'success'],
    [onFailure, 'failure'],
  ] as const) {
    if (!arn) continue;
    let parsed;
    try {
      parsed = parseDestinationArn(arn);
    } catch {
      throw invalid();
    }
    switch (parsed.service) {
      case 'lambda':
        if (!options.functionNames.has(parsed.functionName) || parsed.region !== options.region || parsed.accountId !== LOCAL_ACCOUNT_ID) throw new EventInvokeConfigError('InvalidParameterValueException', `The destination ARN ${arn} is invalid.`);
        if (parsed.functionName === options.functionName) {
          throw new EventInvokeConfigError('InvalidParameterValueException', "You can't specify the function as a destination for itself.");
        }
        break;
      case 's3':
        // S3 buckets keep failure records only (spec §6.3).
        if (when === 'success') throw invalid();
        break;
      case 'events':
        throw new EventInvokeConfigError(
          'InvalidParameterValueException',
          `The destination ARN ${arn} is an EventBridge event bus, which esm-poller does not support: there is no local event bus. Use an SQS queue, SNS topic, S3 bucket (on failure) or function.`,
        );
      case 'sqs':
      case 'sns':
        // FIFO queues and topics are accepted, as by AWS; their deliveries fail (DestinationDeliveryFailures).
        break;
    }
  }
  return {
    ...(raw.OnSuccess !== undefined ? { OnSuccess: onSuccess ? { Destination: onSuccess } : {} } : {}),
    ...(raw.OnFailure !== undefined ? { OnFailure: onFailure ? { Destination: onFailure } : {} } : {}),
  };
}

function destinationOf(raw: unknown, member: 'onSuccess' | 'onFailure'): string | undefined {
  if (absent(raw)) return undefined;
  if (!isRecord(raw)) throw new EventInvokeConfigError('ValidationException', `Value '${String(raw)}' at 'destinationConfig.${member}' failed to satisfy constraint: Member must be a structure`);
  const destination = raw.Destination;
  if (absent(destination) || destination === '') return undefined;
  if (typeof destination !== 'string' || destination.length > 350 || !DESTINATION_ARN_PATTERN.test(destination)) {
    throw new EventInvokeConfigError(
      'ValidationException',
      `1 validation error detected: Value '${String(destination)}' at 'destinationConfig.${member}.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ${DESTINATION_ARN_PATTERN_TEXT}`,
    );
  }
  return destination;
}

function integerIn(value: unknown, member: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new EventInvokeConfigError('ValidationException', `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < min) {
    throw new EventInvokeConfigError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (value > max) {
    throw new EventInvokeConfigError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return value;
}

/** The settings an event is handled with: the function's config, AWS's defaults for what it leaves unset. */
export interface AsyncSettings {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

export function asyncSettingsOf(config: EventInvokeConfig | undefined): AsyncSettings {
  const onSuccess = config?.DestinationConfig?.OnSuccess?.Destination;
  const onFailure = config?.DestinationConfig?.OnFailure?.Destination;
  return {
    maximumRetryAttempts: config?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
    maximumEventAgeSeconds: config?.MaximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
  };
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
