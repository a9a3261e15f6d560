import { describe, expect, it } from 'vitest';
import { apiErrorOf, readMaxItems } from '../../../src/api/json-request.js';
import type { ValidationIssue } from '../../../src/config/config-error.js';

const model = (member: string, value: number): ValidationIssue => ({
  path: `request.${member}`,
  message: `${value} is out of range`,
  api: { name: 'ValidationException', message: `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to 10` },
});
const rule: ValidationIssue = { path: 'request.BatchSize', message: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10' };

describe('apiErrorOf: the error Lambda answers for validation issues, in the order AWS checks', () => {
  it('answers an unknown nested member before anything else', () => {
    const error = apiErrorOf([rule, model('batchSize', 11), { path: 'request.FilterCriteria.Colour', message: 'is not a supported field' }]);
    expect([error.name, error.message]).toEqual(['InvalidRequestContentException', 'Could not parse request body into json: Unrecognized field "Colour", not marked as ignorable']);
  });

  it('gathers every model violation in one ValidationException', () => {
    const error = apiErrorOf([rule, model('batchSize', 11), model('parallelizationFactor', 12)]);
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "2 validation errors detected: Value '11' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10; Value '12' at 'parallelizationFactor' failed to satisfy constraint: Member must have value less than or equal to 10",
    );
    expect(error.body()).toEqual({ message: error.message });
  });

  it('answers the first service rule as InvalidParameterValueException with AWS body', () => {
    const error = apiErrorOf([rule, { path: 'request.FunctionName', message: 'Function does not exist' }]);
    expect([error.name, error.status, error.body()]).toEqual(['InvalidParameterValueException', 400, { Type: 'User', message: rule.message }]);
  });
});

describe('readMaxItems', () => {
  it('defaults to the page size, caps at it, and refuses what the model refuses', () => {
    expect(readMaxItems(null, 100)).toBe(100);
    expect(readMaxItems('7', 100)).toBe(7);
    expect(readMaxItems('5000', 100)).toBe(100);
    expect(() => readMaxItems('0', 100)).toThrow("Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
    expect(() => readMaxItems('10001', 100)).toThrow('less than or equal to 10000');
    expect(() => readMaxItems('ten', 100)).toThrow('less than or equal to 10000');
  });
});
