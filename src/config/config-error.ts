import type { ApiErrorName } from '../errors/api-error.js';

/** One problem found in the configuration: where it is, what was there, and what is allowed. */
export interface ValidationIssue {
  /** Path of the bad field, e.g. `eventSourceMappings[1].BatchSize`. */
  readonly path: string;
  /** Human message naming the value and the allowed range or rule, in AWS's wording where AWS has one. */
  readonly message: string;
  /**
   * How the Lambda API reports the same problem when its wording differs from `message` (e.g. a model range:
   * `ValidationException` with `1 validation error detected: …`). Absent: InvalidParameterValueException with `message`.
   */
  readonly api?: { readonly name: ApiErrorName; readonly message: string };
}

/** The configuration is unusable; carries every issue found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
}
