import { describe, expect, it } from 'vitest';
import { asyncSettingsOf, validateEventInvokeConfig } from '../../../src/async/event-invoke-config.js';

const options = { functionName: 'orders', functionNames: new Set(['orders', 'audit']), region: 'us-east-1' };
const validate = (raw: Record<string, unknown>) => validateEventInvokeConfig(raw, options);
const failure = (raw: Record<string, unknown>) => {
  try {
    validate(raw);
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected a validation error');
};

describe('event invoke config validation (PutFunctionEventInvokeConfig)', () => {
  it('keeps only the settings given', () => {
    expect(validate({ MaximumRetryAttempts: 0 })).toEqual({ MaximumRetryAttempts: 0 });
    expect(
      validate({
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnSuccess: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:audit' }, OnFailure: { Destination: 'arn:aws:s3:::bucket' } },
      }),
    ).toEqual({
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnSuccess: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:audit' }, OnFailure: { Destination: 'arn:aws:s3:::bucket' } },
    });
  });

  it.each([
    [{}, 'InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.'],
    [{ MaximumRetryAttempts: 3 }, 'ValidationException', "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"],
    [{ MaximumEventAgeInSeconds: 59 }, 'ValidationException', "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"],
    [{ MaximumEventAgeInSeconds: 21_601 }, 'ValidationException', "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600"],
    [{ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:orders' } } }, 'InvalidParameterValueException', "You can't specify the function as a destination for itself."],
    [{ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:nope' } } }, 'InvalidParameterValueException', 'The destination ARN arn:aws:lambda:us-east-1:000000000000:function:nope is invalid.'],
    [{ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:eu-west-1:000000000000:function:audit' } } }, 'InvalidParameterValueException', 'The destination ARN arn:aws:lambda:eu-west-1:000000000000:function:audit is invalid.'],
    [{ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:123456789012:function:audit' } } }, 'InvalidParameterValueException', 'The destination ARN arn:aws:lambda:us-east-1:123456789012:function:audit is invalid.'],
    [
      { DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::bucket' } } },
      'InvalidParameterValueException',
      'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), onFailure=null) is invalid.',
    ],
    [
      { DestinationConfig: { OnFailure: { Destination: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' } } },
      'InvalidParameterValueException',
      'The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=arn:aws:kinesis:us-east-1:000000000000:stream/s)) is invalid.',
    ],
  ])('refuses %j with %s', (raw, name, message) => {
    expect(failure(raw)).toEqual({ name, message });
  });

  it('refuses EventBridge buses with a clear message and malformed ARNs with the pattern', () => {
    expect(failure({ DestinationConfig: { OnSuccess: { Destination: 'arn:aws:events:us-east-1:000000000000:event-bus/default' } } }).message).toMatch(
      /EventBridge event bus, which esm-poller does not support: there is no local event bus/,
    );
    expect(failure({ DestinationConfig: { OnSuccess: { Destination: 'not-an-arn' } } })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^1 validation error detected: Value 'not-an-arn' at 'destinationConfig.onSuccess.destination' failed to satisfy constraint/),
    });
  });

  it('fills AWS defaults for the settings left unset', () => {
    expect(asyncSettingsOf(undefined)).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 });
    expect(asyncSettingsOf({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:q' } } })).toEqual({
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 21_600,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:q',
    });
  });
});
