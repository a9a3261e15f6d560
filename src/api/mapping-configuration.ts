import type { SharedMappingStatus, StoredMapping } from '../mappings/mapping-store.js';
import { NO_RECORDS_PROCESSED } from '../mappings/mapping-status.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';

/** `StateTransitionReason` AWS reports after a user's change: SQS (and Kafka) and streams word it differently (spec §1.4). */
export function userStateTransitionReason(sourceKind: StoredMapping['mapping']['sourceKind']): string {
  return sourceKind === 'sqs' ? 'USER_INITIATED' : 'User action';
}

/** The ARN of an event source mapping, as AWS builds it. */
export function eventSourceMappingArn(region: string, uuid: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:event-source-mapping:${uuid}`;
}

/** An ARN naming an event source mapping: its UUID, or undefined for any other ARN. */
export function uuidOfMappingArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:event-source-mapping:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(arn)?.[1];
}

export interface ConfigurationContext {
  readonly region: string;
  /** The unqualified ARN of the mapped function. */
  readonly functionArn: string;
  /** What the replicas running the mapping reported (fields absent when nothing was reported). */
  readonly status: Partial<SharedMappingStatus>;
}

/**
 * `EventSourceMappingConfiguration` exactly as AWS returns it (spec §1.4): the members of every source, then the
 * stream-only members for Kinesis and DynamoDB Streams (`LastProcessingResult` among them: AWS does not report it for
 * SQS), then the optional members only when set.
 */
export function mappingConfiguration(record: StoredMapping, context: ConfigurationContext): Record<string, unknown> {
  const m = record.mapping;
  const stream = m.sourceKind !== 'sqs';
  const { status } = context;
  // A failing on-failure destination stands until it takes a delivery again; otherwise the latest batch's result.
  const lastProcessingResult = status.destinationProblem ?? status.lastProcessingResult ?? NO_RECORDS_PROCESSED;
  // An enabled mapping whose source cannot be read says why in its state reason (SQS reports nothing else).
  const stateTransitionReason = record.state === 'Enabled' && status.sourceProblem ? status.sourceProblem : record.stateTransitionReason;
  return {
    UUID: m.UUID,
    ...(stream ? { StartingPosition: m.StartingPosition } : {}),
    ...(stream && m.StartingPositionTimestamp !== undefined ? { StartingPositionTimestamp: m.StartingPositionTimestamp } : {}),
    BatchSize: m.BatchSize,
    MaximumBatchingWindowInSeconds: m.MaximumBatchingWindowInSeconds,
    ...(stream ? { ParallelizationFactor: m.ParallelizationFactor } : {}),
    EventSourceArn: m.EventSourceArn,
    ...(m.FilterCriteria ? { FilterCriteria: { Filters: m.FilterCriteria.Filters.map((filter) => ({ Pattern: filter.Pattern })) } } : {}),
    FunctionArn: context.functionArn,
    LastModified: record.lastModifiedMs / 1000,
    ...(stream ? { LastProcessingResult: lastProcessingResult } : {}),
    State: record.state,
    StateTransitionReason: stateTransitionReason,
    ...(stream
      ? {
          DestinationConfig: { OnFailure: m.DestinationConfig?.OnFailure?.Destination ? { Destination: m.DestinationConfig.OnFailure.Destination } : {} },
          MaximumRecordAgeInSeconds: m.MaximumRecordAgeInSeconds,
          BisectBatchOnFunctionError: m.BisectBatchOnFunctionError,
          MaximumRetryAttempts: m.MaximumRetryAttempts,
          TumblingWindowInSeconds: m.TumblingWindowInSeconds,
        }
      : {}),
    FunctionResponseTypes: [...m.FunctionResponseTypes],
    EventSourceMappingArn: eventSourceMappingArn(context.region, m.UUID),
    ...(m.ScalingConfig?.MaximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: m.ScalingConfig.MaximumConcurrency } } : {}),
    ...(m.ProvisionedPollerConfig ? { ProvisionedPollerConfig: { ...m.ProvisionedPollerConfig } } : {}),
    ...(m.MetricsConfig ? { MetricsConfig: { Metrics: [...m.MetricsConfig.Metrics] } } : {}),
    ...(m.KMSKeyArn ? { KMSKeyArn: m.KMSKeyArn } : {}),
  };
}
