import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createInvoker } from '../../../src/functions/create-invoker.js';
import { ModuleInvoker } from '../../../src/functions/module-invoker.js';
import { HttpInvoker } from '../../../src/functions/http-invoker.js';
import { LambdaInvoker } from '../../../src/functions/lambda-invoker.js';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import type { FunctionDefinition, FunctionTarget } from '../../../src/functions/function-definition.js';

const logger = pino({ level: 'silent' });
const definition = (target: FunctionTarget): FunctionDefinition => ({ name: 'fn', target, timeoutSeconds: 3, memorySizeMb: 128 });

describe('createInvoker', () => {
  it('picks the invoker of the target type', async () => {
    const aws = new AwsClientFactory({ AWS_REGION: 'us-east-1' });
    const options = { aws, logger, region: 'us-east-1' };
    const invokers = [
      createInvoker(definition({ type: 'handler', file: '/nowhere/index.mjs', exportName: 'handler' }), options),
      createInvoker(definition({ type: 'url', url: 'http://127.0.0.1:1/' }), options),
      createInvoker(definition({ type: 'arn', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:remote' }), options),
    ];
    expect(invokers[0]).toBeInstanceOf(ModuleInvoker);
    expect(invokers[1]).toBeInstanceOf(HttpInvoker);
    expect(invokers[2]).toBeInstanceOf(LambdaInvoker);
    await Promise.all(invokers.map((invoker) => invoker.close()));
    aws.destroy();
  });
});
