import type { ValidationIssue } from '../config/config-error.js';

/** A resource as the template declares it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** What only the emulators (or AWS) know: looked up while resolving. */
export interface ResourceLookup {
  /** URL of a queue by name; rejects when it does not exist. */
  queueUrl(name: string): Promise<string>;
  /** The latest stream ARN of a table; rejects when the table does not exist or has no stream. */
  tableStreamArn(name: string): Promise<string>;
}

export interface ResolverContext {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly resources: Readonly<Record<string, TemplateResource>>;
  /** Parameter name → its Default. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly lookup: ResourceLookup;
}

/** `AWS::NoValue`: the property is removed. */
const NO_VALUE = Symbol('AWS::NoValue');
/** A part that could not be resolved (its issue is recorded); the whole value is then left out. */
const UNRESOLVED = Symbol('unresolved');

/** The property holding a resource's physical name; without it, the logical id is the name. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Serverless::Function': 'FunctionName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::S3::Bucket': 'BucketName',
};

/** Thrown inside the resolver for a value that cannot be resolved; turned into an issue at its path. */
class Unresolvable extends Error {}

/**
 * Resolves CloudFormation intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) against the resources and
 * parameters the template declares, in the configured region and account. Anything else — another intrinsic, a
 * reference to something not declared, a resource type whose attribute is unknown — is an issue naming the template
 * path of the value, and the value is left out.
 */
export class TemplateResolver {
  constructor(
    private readonly context: ResolverContext,
    private readonly issues: ValidationIssue[],
  ) {}

  /** The value with every intrinsic resolved; undefined (and an issue) when some part cannot be. */
  async resolve(value: unknown, path: string): Promise<unknown> {
    const before = this.issues.length;
    const resolved = await this.value(value, path);
    return resolved === NO_VALUE || this.issues.length > before ? undefined : resolved;
  }

  /** The physical name of a declared resource; undefined (and an issue at `path`) when it cannot be resolved. */
  async nameOf(logicalId: string, path: string): Promise<string | undefined> {
    try {
      return await this.physicalName(logicalId, path);
    } catch (err) {
      if (!(err instanceof Unresolvable)) throw err;
      this.issues.push({ path, message: err.message });
      return undefined;
    }
  }

  /** The physical name of a declared resource (its name property, else its logical id). */
  private async physicalName(logicalId: string, path: string): Promise<string> {
    const resource = this.resource(logicalId);
    const property = NAME_PROPERTIES[resource.Type];
    const given = property ? resource.Properties?.[property] : undefined;
    if (given === undefined) {
      if (resource.Type === 'AWS::SQS::Queue' && resource.Properties?.FifoQueue === true) return `${logicalId}.fifo`;
      return resource.Type === 'AWS::S3::Bucket' ? logicalId.toLowerCase() : logicalId;
    }
    const name = await this.value(given, `Resources.${logicalId}.Properties.${property}`);
    if (typeof name !== 'string') throw new Unresolvable(`${path}: the name of ${logicalId} is not a string`);
    return name;
  }

  private async value(value: unknown, path: string): Promise<unknown> {
    if (Array.isArray(value)) {
      const items = await Promise.all(value.map((item, index) => this.value(item, `${path}[${index}]`)));
      return items.filter((item) => item !== NO_VALUE);
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, argument] = entries[0]!;
      if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::')) {
        try {
          if (key === 'Ref') return await this.ref(argument, path);
          if (key === 'Fn::GetAtt') return await this.getAtt(argument, path);
          if (key === 'Fn::Sub') return await this.sub(argument, path);
          if (key === 'Fn::Join') return await this.join(argument, path);
          throw new Unresolvable(`${key} is not supported (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join)`);
        } catch (err) {
          if (!(err instanceof Unresolvable)) throw err;
          this.issues.push({ path, message: err.message });
          return UNRESOLVED;
        }
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = await this.value(item, `${path}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private async ref(argument: unknown, path: string): Promise<unknown> {
    if (typeof argument !== 'string') throw new Unresolvable('Ref needs the name of a parameter, resource or pseudo parameter');
    const pseudo = this.pseudo(argument);
    if (pseudo !== undefined) return pseudo;
    if (Object.hasOwn(this.context.parameters, argument)) {
      const value = this.context.parameters[argument];
      if (value === undefined) throw new Unresolvable(`parameter ${argument} has no Default: give it one for local runs`);
      return value;
    }
    const resource = this.resource(argument);
    const name = await this.physicalName(argument, path);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.lookup(() => this.context.lookup.queueUrl(name), `queue ${name} (Ref ${argument})`);
      case 'AWS::SNS::Topic':
        return this.arn('sns', name);
      case 'AWS::Kinesis::Stream':
      case 'AWS::DynamoDB::Table':
      case 'AWS::Serverless::Function':
      case 'AWS::Lambda::Function':
      case 'AWS::S3::Bucket':
        return name;
      default:
        throw new Unresolvable(`Ref to ${argument} (${resource.Type}) is not supported`);
    }
  }

  private async getAtt(argument: unknown, path: string): Promise<unknown> {
    const parts = typeof argument === 'string' ? splitOnce(argument) : Array.isArray(argument) && argument.length === 2 ? argument : undefined;
    if (!parts || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') throw new Unresolvable('Fn::GetAtt needs [LogicalId, Attribute] or "LogicalId.Attribute"');
    const [logicalId, attribute] = parts as [string, string];
    const resource = this.resource(logicalId);
    const name = await this.physicalName(logicalId, path);
    const { region, account } = this.context;
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.lookup(() => this.context.lookup.queueUrl(name), `queue ${name}`);
      case 'AWS::Kinesis::Stream.Arn':
        return `arn:aws:kinesis:${region}:${account}:stream/${name}`;
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::DynamoDB::Table.StreamArn':
        return this.lookup(() => this.context.lookup.tableStreamArn(name), `the stream of table ${name}`);
      case 'AWS::Serverless::Function.Arn':
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::SNS::Topic.TopicArn':
        return this.arn('sns', name);
      case 'AWS::SNS::Topic.TopicName':
        return name;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      default:
        throw new Unresolvable(`Fn::GetAtt ${logicalId}.${attribute} is not supported for ${resource.Type}`);
    }
  }

  private async sub(argument: unknown, path: string): Promise<string> {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : Array.isArray(argument) ? argument : [undefined, undefined];
    if (typeof text !== 'string' || typeof variables !== 'object' || variables === null) throw new Unresolvable('Fn::Sub needs a string, or [string, {variables}]');
    const values = new Map<string, string>();
    for (const [name, expression] of Object.entries(variables as Record<string, unknown>)) values.set(name, stringOf(await this.value(expression, `${path}[1].${name}`), `${path}[1].${name}`));
    let out = '';
    let rest = text;
    for (;;) {
      const start = rest.indexOf('${');
      if (start === -1) return out + rest;
      const end = rest.indexOf('}', start);
      if (end === -1) throw new Unresolvable(`Fn::Sub: unclosed \${ in ${JSON.stringify(text)}`);
      const name = rest.slice(start + 2, end);
      out += rest.slice(0, start);
      rest = rest.slice(end + 1);
      if (name.startsWith('!')) {
        out += `\${${name.slice(1)}}`;
        continue;
      }
      if (values.has(name)) out += values.get(name);
      else if (name.includes('.') && !name.startsWith('AWS::')) out += stringOf(await this.getAtt(name, path), path);
      else out += stringOf(await this.ref(name, path), path);
    }
  }

  private async join(argument: unknown, path: string): Promise<string> {
    if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string') throw new Unresolvable('Fn::Join needs [delimiter, [values]]');
    const list = await this.value(argument[1], `${path}[1]`);
    if (!Array.isArray(list)) throw new Unresolvable('Fn::Join needs a list of values');
    return list.map((item, index) => stringOf(item, `${path}[1][${index}]`)).join(argument[0]);
  }

  private pseudo(name: string): unknown {
    const { region, account, stackName } = this.context;
    switch (name) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        if (name.startsWith('AWS::')) throw new Unresolvable(`pseudo parameter ${name} is not supported`);
        return undefined;
    }
  }

  private resource(logicalId: string): TemplateResource {
    const resource = this.context.resources[logicalId];
    if (!resource) throw new Unresolvable(`${logicalId} is not a parameter or resource of the template`);
    return resource;
  }

  private arn(service: 'sqs' | 'sns', name: string): string {
    return `arn:aws:${service}:${this.context.region}:${this.context.account}:${name}`;
  }

  private async lookup(find: () => Promise<string>, what: string): Promise<string> {
    try {
      return await find();
    } catch (err) {
      throw new Unresolvable(`${what} cannot be found (${(err as Error).name}: ${(err as Error).message}); --create-resources creates what the template declares`);
    }
  }
}

function splitOnce(text: string): [string, string] | undefined {
  const dot = text.indexOf('.');
  return dot === -1 ? undefined : [text.slice(0, dot), text.slice(dot + 1)];
}

function stringOf(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (value === UNRESOLVED) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unresolvable(`${path}: ${JSON.stringify(value)} is not a string`);
}
