/** One problem found in the configuration: where it is, what was there, and what is allowed. */
export interface ValidationIssue {
  /** Path of the bad field, e.g. `eventSourceMappings[1].BatchSize`. */
  readonly path: string;
  /** Human message naming the value and the allowed range or rule, in AWS's wording where AWS has one. */
  readonly message: string;
}

/** The configuration is unusable; carries every issue found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
}
