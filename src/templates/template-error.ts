import type { ValidationIssue } from '../config/config-error.js';

/** A template could not be turned into functions and mappings; every problem carries the template path of the value. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
}
