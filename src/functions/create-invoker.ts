import type { Invoker } from './invoker.js';
import type { FunctionDefinition } from './function-definition.js';
import { ModuleInvoker } from './module-invoker.js';
import { HttpInvoker } from './http-invoker.js';
import { LambdaInvoker } from './lambda-invoker.js';
import type { AwsClientFactory } from '../aws/client-factory.js';
import type { Logger } from '../observability/logger.js';
import type { LogLevel } from '../config/service-config.js';

export interface CreateInvokerOptions {
  readonly aws: AwsClientFactory;
  readonly logger: Logger;
  /** The service's region, used in the ARNs and context of local functions. */
  readonly region: string;
  /** Level of what `handler:` functions print (`log.functionOutput`). */
  readonly functionOutputLevel?: LogLevel;
}

/** The invoker for a function's target: worker threads for `handler`, HTTP for `url`, Lambda's API for `arn`. */
export function createInvoker(definition: FunctionDefinition, options: CreateInvokerOptions): Invoker {
  const target = definition.target;
  switch (target.type) {
    case 'handler':
      return new ModuleInvoker(definition, {
        logger: options.logger,
        region: options.region,
        ...(options.functionOutputLevel ? { outputLevel: options.functionOutputLevel } : {}),
      });
    case 'url':
      return new HttpInvoker(definition, { logger: options.logger });
    case 'arn':
      return new LambdaInvoker(definition, { aws: options.aws, logger: options.logger });
  }
}
