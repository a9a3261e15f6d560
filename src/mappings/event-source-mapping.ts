/**
 * An event source mapping after validation: AWS field names, every default filled in.
 * Field names and meanings follow CreateEventSourceMapping (spec §1.2).
 */
export type SourceKind = 'sqs' | 'kinesis' | 'dynamodb';
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface FilterCriteria {
  readonly Filters: readonly { readonly Pattern: string }[];
}

export interface EventSourceMapping {
  readonly UUID: string;
  readonly FunctionName: string;
  readonly EventSourceArn: string;
  /** Derived from the ARN: which poller serves this mapping. */
  readonly sourceKind: SourceKind;
  /** SQS FIFO queue (name ends in `.fifo`). */
  readonly fifo: boolean;
  readonly Enabled: boolean;
  readonly BatchSize: number;
  readonly MaximumBatchingWindowInSeconds: number;
  readonly FunctionResponseTypes: readonly 'ReportBatchItemFailures'[];
  readonly FilterCriteria?: FilterCriteria;
  /** SQS only. */
  readonly ScalingConfig?: { readonly MaximumConcurrency?: number };
  /** Streams only (undefined for SQS). */
  readonly StartingPosition?: StartingPosition;
  /** Streams, with AT_TIMESTAMP: epoch seconds. */
  readonly StartingPositionTimestamp?: number;
  readonly ParallelizationFactor?: number;
  readonly MaximumRetryAttempts?: number;
  readonly MaximumRecordAgeInSeconds?: number;
  readonly BisectBatchOnFunctionError?: boolean;
  readonly TumblingWindowInSeconds?: number;
  readonly DestinationConfig?: { readonly OnFailure?: { readonly Destination?: string } };
  /** Per-mapping metrics AWS emits on request (`EventCount`); absent when none were asked for. */
  readonly MetricsConfig?: { readonly Metrics: readonly 'EventCount'[] };
  /** SQS only: provisioned mode, pollers kept between the two bounds (spec §9). Excludes `ScalingConfig.MaximumConcurrency`. */
  readonly ProvisionedPollerConfig?: { readonly MinimumPollers: number; readonly MaximumPollers: number };
  /** KMS key AWS would encrypt the filter criteria with; accepted and echoed (filters are kept in Redis as given). */
  readonly KMSKeyArn?: string;
}

/** True when the mapping asks for partial batch responses. */
export function reportsBatchItemFailures(mapping: EventSourceMapping): boolean {
  return mapping.FunctionResponseTypes.includes('ReportBatchItemFailures');
}
