import { ApiError } from '../errors/api-error.js';
import { LOCAL_ACCOUNT_ID } from './function-definition.js';
import type { LambdaFunction } from './lambda-function.js';
import { runAll } from '../runtime/lifecycle.js';

/** `name`, `name:qualifier`, `account:function:name[:qualifier]` or a full ARN (spec §1.2 FunctionName). */
const FUNCTION_REFERENCE = /^(?:(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):)?(\d{12}):function:)?([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** The configured functions, found by any name form Lambda's API accepts. Only `$LATEST` exists. */
export class FunctionRegistry {
  constructor(
    private readonly functions: ReadonlyMap<string, LambdaFunction>,
    private readonly region: string,
  ) {}

  get(name: string): LambdaFunction | undefined {
    return this.functions.get(name);
  }

  all(): LambdaFunction[] {
    return [...this.functions.values()];
  }

  /** Finds the function a request names, or throws Lambda's ResourceNotFoundException. */
  resolve(reference: string, qualifier?: string): LambdaFunction {
    const match = FUNCTION_REFERENCE.exec(reference);
    if (!match) {
      throw new ApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${reference}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
      );
    }
    const [, region, account, name, nameQualifier] = match;
    if (qualifier !== undefined && nameQualifier !== undefined && qualifier !== nameQualifier) {
      throw new ApiError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
    }
    const effectiveQualifier = qualifier ?? nameQualifier;
    const fn = this.functions.get(name!);
    // A function of another region or account is not the local function of that name.
    const elsewhere = (region !== undefined && region !== this.region) || (account !== undefined && account !== LOCAL_ACCOUNT_ID);
    if (!fn || elsewhere || (effectiveQualifier !== undefined && effectiveQualifier !== '$LATEST')) {
      const arn = `arn:aws:lambda:${region ?? this.region}:${account ?? LOCAL_ACCOUNT_ID}:function:${name}`;
      throw new ApiError('ResourceNotFoundException', `Function not found: ${effectiveQualifier ? `${arn}:${effectiveQualifier}` : arn}`);
    }
    return fn;
  }

  /** Closes every function's invoker (workers, sockets). */
  async close(): Promise<void> {
    await runAll(this.all().map((fn) => () => fn.close()));
  }
}
