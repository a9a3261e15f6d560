import type { EventInvokeConfig } from '../async/event-invoke-config.js';
import type { FunctionFaults } from '../faults/function-faults.js';

/** A function as declared under `functions:` in the configuration, after validation and defaults. */
export type FunctionTarget =
  | { readonly type: 'handler'; readonly file: string; readonly exportName: string }
  | { readonly type: 'url'; readonly url: string }
  | { readonly type: 'arn'; readonly arn: string };

export interface FunctionDefinition {
  readonly name: string;
  readonly target: FunctionTarget;
  /** Seconds before an invocation is abandoned as timed out. @defaultValue 3 (Lambda's default) */
  readonly timeoutSeconds: number;
  /** Megabytes; enforced for handler targets through worker resource limits. @defaultValue 128 */
  readonly memorySizeMb: number;
  /** Maximum concurrent invocations; past it invocations are throttled. Undefined = unreserved. */
  readonly reservedConcurrency?: number;
  /** Asynchronous invocation settings of the file (spec §6.2), applied at start. */
  readonly eventInvokeConfig?: EventInvokeConfig;
  /** Dead-letter queue (SQS queue or SNS topic) of asynchronous events that failed (spec §6.3). */
  readonly deadLetterConfig?: { readonly TargetArn: string };
  /** Environment variables of a `handler:` function (Lambda's `Environment.Variables`), set in its execution environments. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Faults injected into its invocations, set in the fleet's store when the service starts. */
  readonly faults?: FunctionFaults;
}

/** Lambda's default function timeout, seconds. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3;
/** Lambda's maximum function timeout, seconds. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** Lambda's default memory size, MB. */
export const DEFAULT_MEMORY_SIZE_MB = 128;
/** Lambda's memory range, MB. */
export const MIN_MEMORY_SIZE_MB = 128;
export const MAX_MEMORY_SIZE_MB = 10240;
/** Local account id used in ARNs we build for configured functions. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The unqualified ARN a configured function is known by (the ESM `FunctionArn`). */
export function functionArnOf(definition: FunctionDefinition, region: string): string {
  if (definition.target.type === 'arn') return definition.target.arn;
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${definition.name}`;
}
