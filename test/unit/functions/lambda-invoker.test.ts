import { describe, expect, it } from 'vitest';
import { parseFunctionArn } from '../../../src/functions/lambda-invoker.js';

describe('parseFunctionArn', () => {
  it('splits a qualified ARN into the unqualified ARN, its region and the qualifier', () => {
    expect(parseFunctionArn('arn:aws:lambda:eu-west-1:123456789012:function:orders:live')).toEqual({
      functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
      region: 'eu-west-1',
      qualifier: 'live',
    });
    expect(parseFunctionArn('arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST').qualifier).toBe('$LATEST');
  });

  it('keeps an unqualified ARN whole and passes anything else through as a name', () => {
    expect(parseFunctionArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:orders')).toEqual({
      functionName: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:orders',
      region: 'cn-north-1',
    });
    expect(parseFunctionArn('orders')).toEqual({ functionName: 'orders' });
  });
});
