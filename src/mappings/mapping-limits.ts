/**
 * Ranges and defaults of the CreateEventSourceMapping parameters for SQS, Kinesis and DynamoDB Streams
 * (spec §1.2). Counts are plain numbers; durations carry their unit in the name.
 */

/** BatchSize lower bound for every source (Lambda API shape `BatchSize`). */
export const MIN_BATCH_SIZE = 1;
/** BatchSize upper bound for SQS standard queues, Kinesis and DynamoDB Streams (Lambda API shape `BatchSize`). */
export const MAX_BATCH_SIZE = 10_000;
/** BatchSize upper bound for SQS FIFO queues (DG services-sqs-parameters). */
export const MAX_SQS_FIFO_BATCH_SIZE = 10;
/** Largest SQS BatchSize allowed without a batching window (AWS error for BatchSize > 10 with window 0). */
export const MAX_SQS_BATCH_SIZE_WITHOUT_WINDOW = 10;
/** BatchSize default for SQS queues (DG services-sqs-parameters). */
export const DEFAULT_SQS_BATCH_SIZE = 10;
/** BatchSize default for Kinesis and DynamoDB Streams (DG services-kinesis-parameters, services-ddb-params). */
export const DEFAULT_STREAM_BATCH_SIZE = 100;

/** MaximumBatchingWindowInSeconds range, whole seconds (Lambda API shape `MaximumBatchingWindowInSeconds`). */
export const MIN_BATCHING_WINDOW_SECONDS = 0;
export const MAX_BATCHING_WINDOW_SECONDS = 300;
/** MaximumBatchingWindowInSeconds default for SQS and streams (Lambda API reference). */
export const DEFAULT_BATCHING_WINDOW_SECONDS = 0;

/** ParallelizationFactor range and default (Lambda API shape `ParallelizationFactor`; DG stream parameters). */
export const MIN_PARALLELIZATION_FACTOR = 1;
export const MAX_PARALLELIZATION_FACTOR = 10;
export const DEFAULT_PARALLELIZATION_FACTOR = 1;

/** MaximumRetryAttempts: −1 retries until the record expires (Lambda API shape `MaximumRetryAttemptsEventSourceMapping`). */
export const INFINITE_RETRY_ATTEMPTS = -1;
export const MAX_RETRY_ATTEMPTS = 10_000;
/** MaximumRetryAttempts default for streams (AWS-recorded responses show −1). */
export const DEFAULT_RETRY_ATTEMPTS = INFINITE_RETRY_ATTEMPTS;

/** MaximumRecordAgeInSeconds: −1 = no limit, else 60..604800 (AWS message "must be either -1 (forever) or between 60 and 604800"). */
export const INFINITE_RECORD_AGE_SECONDS = -1;
export const MIN_RECORD_AGE_SECONDS = 60;
export const MAX_RECORD_AGE_SECONDS = 604_800;
/** MaximumRecordAgeInSeconds default for streams (AWS-recorded responses show −1). */
export const DEFAULT_RECORD_AGE_SECONDS = INFINITE_RECORD_AGE_SECONDS;

/** BisectBatchOnFunctionError default for streams (Lambda API reference). */
export const DEFAULT_BISECT_BATCH_ON_FUNCTION_ERROR = false;

/** TumblingWindowInSeconds range; 0 turns tumbling windows off (Lambda API shape `TumblingWindowInSeconds`). */
export const MIN_TUMBLING_WINDOW_SECONDS = 0;
export const MAX_TUMBLING_WINDOW_SECONDS = 900;
export const DEFAULT_TUMBLING_WINDOW_SECONDS = 0;

/** ScalingConfig.MaximumConcurrency range, SQS only (Lambda API shape `MaximumConcurrency`). */
export const MIN_MAXIMUM_CONCURRENCY = 2;
export const MAX_MAXIMUM_CONCURRENCY = 1000;

/** ProvisionedPollerConfig for SQS: MinimumPollers 2..200 (default 2), MaximumPollers 2..10000 (default 200) (spec §9). */
export const MIN_PROVISIONED_POLLERS = 2;
export const MAX_MINIMUM_POLLERS = 200;
export const MAX_MAXIMUM_POLLERS = 10_000;
export const DEFAULT_MINIMUM_POLLERS = 2;
export const DEFAULT_MAXIMUM_POLLERS = 200;

/** KMSKeyArn length, characters (Lambda API shape `KMSKeyArn`). */
export const MAX_KMS_KEY_ARN_CHARS = 2048;

/** FunctionName length, characters: name, ARN or partial ARN (Lambda API shape `FunctionName`). */
export const MIN_FUNCTION_NAME_CHARS = 1;
export const MAX_FUNCTION_NAME_CHARS = 256;

/** OnFailure.Destination length, characters (Lambda API shape `DestinationArn`). */
export const MAX_DESTINATION_ARN_CHARS = 350;

// Filter limits belong to the filter engine; re-exported so every mapping limit is reachable from here.
export { MAX_FILTERS_PER_MAPPING, MAX_FILTER_PATTERN_LENGTH as MAX_FILTER_PATTERN_CHARS } from '../batch/filter-pattern.js';
