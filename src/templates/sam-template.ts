import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { ValidationIssue } from '../config/config-error.js';
import { TemplateResolver, type TemplateResource } from './template-resolver.js';
import { createMissingResources, resourceLookup, type DeclaredQueue, type TemplateClients } from './template-resources.js';
import { emptyDeclarations, isNodeRuntime, type TemplateDeclarations } from './template-declarations.js';
import { codeFolder, handlerTarget } from './handler-module.js';

export interface TemplateReadOptions {
  /** How the file is named in messages. */
  readonly file: string;
  /** Folder of the file: `CodeUri` and handler paths are relative to it. */
  readonly dir: string;
  readonly region: string;
  readonly account: string;
  readonly clients: TemplateClients;
  readonly createResources: boolean;
  /** Where problems are added, each with the template path of the value. */
  readonly issues: ValidationIssue[];
  /** Lines for the start log (created resources). */
  readonly notes: string[];
}

/** Properties of AWS::Serverless::Function that become function settings. */
const FUNCTION_SETTINGS = new Set(['Handler', 'Runtime', 'CodeUri', 'Timeout', 'MemorySize', 'ReservedConcurrentExecutions', 'Events', 'FunctionName', 'Environment']);
/** Properties accepted without a local effect (IAM, tracing, networking, descriptions). */
const NO_LOCAL_EFFECT = new Set(['Description', 'Policies', 'Role', 'Tags', 'Tracing', 'Architectures', 'PermissionsBoundary', 'VpcConfig', 'LoggingConfig', 'KmsKeyArn', 'AutoPublishAlias', 'DeploymentPreference']);
/** SAM event types that are event source mappings, and their source property. */
const MAPPING_EVENTS: Readonly<Record<string, string>> = { SQS: 'Queue', Kinesis: 'Stream', DynamoDB: 'Stream' };
/** CloudFormation property names that differ from CreateEventSourceMapping's. */
const RENAMED: Readonly<Record<string, string>> = { KmsKeyArn: 'KMSKeyArn' };

/**
 * Reads an AWS SAM / CloudFormation template: every `AWS::Serverless::Function` with a Node.js runtime becomes a
 * `handler:` function (CodeUri, Handler, Timeout, MemorySize, ReservedConcurrentExecutions, with `Globals.Function`);
 * its `Events` of type SQS, Kinesis and DynamoDB, and every `AWS::Lambda::EventSourceMapping`, become mappings.
 */
export async function readSamTemplate(document: unknown, options: TemplateReadOptions): Promise<TemplateDeclarations> {
  const { file, issues } = options;
  const out = emptyDeclarations();
  if (!isMap(document) || !isMap(document.Resources)) {
    issues.push({ path: `${file}: Resources`, message: 'a CloudFormation template needs a Resources map' });
    return out;
  }
  const resources = document.Resources as Record<string, TemplateResource>;
  const parameters: Record<string, unknown> = {};
  if (isMap(document.Parameters)) for (const [name, parameter] of Object.entries(document.Parameters)) parameters[name] = isMap(parameter) ? parameter.Default : undefined;
  const resolver = new TemplateResolver(
    { region: options.region, account: options.account, stackName: stackNameOf(file), resources, parameters, lookup: resourceLookup(options.clients) },
    issues,
  );
  const at = (path: string) => `${file}: ${path}`;

  if (options.createResources) {
    const before = issues.length;
    const declared = await declaredResources(resources, resolver, at);
    if (issues.length === before) options.notes.push(...(await createMissingResources(options.clients, declared)).map((what) => `created ${what}`));
  }

  const globals = isMap(document.Globals) && isMap(document.Globals.Function) ? document.Globals.Function : {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = `Resources.${logicalId}`;
    if (!isMap(resource)) continue;
    if (resource.Type === 'AWS::Serverless::Function') {
      await readFunction(logicalId, withGlobals(globals, resource.Properties ?? {}), path, resolver, options, out);
    } else if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      const properties = (await resolver.resolve(resource.Properties ?? {}, at(`${path}.Properties`))) as Record<string, unknown> | undefined;
      if (!properties) continue;
      const mapping = renamed(properties);
      if (typeof mapping.FunctionName === 'string') mapping.FunctionName = functionNameOf(mapping.FunctionName);
      out.eventSourceMappings.push({ mapping, path: at(`${path}.Properties`) });
    }
  }
  return out;
}

async function readFunction(
  logicalId: string,
  properties: Record<string, unknown>,
  path: string,
  resolver: TemplateResolver,
  options: TemplateReadOptions,
  out: TemplateDeclarations,
): Promise<void> {
  const { file, issues } = options;
  const at = (sub: string) => `${file}: ${path}.Properties${sub}`;
  const before = issues.length;
  for (const key of Object.keys(properties)) {
    if (!FUNCTION_SETTINGS.has(key) && !NO_LOCAL_EFFECT.has(key)) issues.push({ path: at(`.${key}`), message: 'is not supported for local runs' });
  }
  const resolved = (await resolver.resolve(properties, at(''))) as Record<string, unknown> | undefined;
  if (!resolved) return;
  const name = typeof resolved.FunctionName === 'string' ? resolved.FunctionName : logicalId;
  if (!isNodeRuntime(resolved.Runtime)) {
    issues.push({ path: at('.Runtime'), message: `${JSON.stringify(resolved.Runtime)}: only Node.js runtimes (nodejsNN.x) run locally, as handler: targets` });
  }
  if (resolved.CodeUri !== undefined && typeof resolved.CodeUri !== 'string') issues.push({ path: at('.CodeUri'), message: 'must be a local folder (an S3 location cannot run locally)' });
  let handler: string | undefined;
  if (typeof resolved.Handler !== 'string') {
    issues.push({ path: at('.Handler'), message: 'is missing (file.export)' });
  } else {
    const { target, tried } = handlerTarget(codeFolder(options.dir, resolved.CodeUri as string | undefined), resolved.Handler);
    if (target) handler = target;
    else issues.push({ path: at('.Handler'), message: tried.length === 0 ? `${resolved.Handler} is not file.export` : `no module for ${resolved.Handler}: tried ${tried.join(', ')}` });
  }
  const environment = resolved.Environment;
  if (environment !== undefined && (!isMap(environment) || Object.keys(environment).some((key) => key !== 'Variables'))) {
    issues.push({ path: at('.Environment'), message: 'must be { Variables: { NAME: value } }' });
  }
  const variables = isMap(environment) && isMap(environment.Variables) ? environment.Variables : undefined;
  const events = isMap(resolved.Events) ? resolved.Events : {};
  for (const [eventName, event] of Object.entries(events)) {
    const eventPath = `${file}: ${path}.Properties.Events.${eventName}`;
    if (!isMap(event)) continue;
    const sourceProperty = typeof event.Type === 'string' ? MAPPING_EVENTS[event.Type] : undefined;
    if (!sourceProperty) {
      out.skipped.push(`${eventPath}: type ${String(event.Type)} is not an event source mapping`);
      continue;
    }
    const { [sourceProperty]: source, DestinationConfig, ...rest } = isMap(event.Properties) ? event.Properties : {};
    const mapping: Record<string, unknown> = { FunctionName: name, EventSourceArn: source, ...renamed(rest) };
    if (isMap(DestinationConfig)) mapping.DestinationConfig = withoutSamTypes(DestinationConfig);
    out.eventSourceMappings.push({ mapping, path: `${eventPath}.Properties` });
  }
  if (issues.length > before || !handler) return;
  out.functions[name] = {
    handler,
    ...(resolved.Timeout !== undefined ? { timeout: resolved.Timeout } : {}),
    ...(resolved.MemorySize !== undefined ? { memorySize: resolved.MemorySize } : {}),
    ...(resolved.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: resolved.ReservedConcurrentExecutions } : {}),
    ...(variables ? { environment: variables } : {}),
  };
  out.functionPaths[name] = `${file}: ${path}.Properties`;
}

/** The queues, streams and tables the template declares, with the properties needed to create them. */
async function declaredResources(
  resources: Record<string, TemplateResource>,
  resolver: TemplateResolver,
  at: (path: string) => string,
): Promise<{ queues: DeclaredQueue[]; streams: { name: string; shardCount: number }[]; tables: CreateTableCommandInput[] }> {
  const queues: DeclaredQueue[] = [];
  const streams: { name: string; shardCount: number }[] = [];
  const tables: CreateTableCommandInput[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isMap(resource)) continue;
    const path = at(`Resources.${logicalId}`);
    if (!['AWS::SQS::Queue', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::Table'].includes(resource.Type)) continue;
    const properties = ((await resolver.resolve(resource.Properties ?? {}, `${path}.Properties`)) ?? {}) as Record<string, unknown>;
    const physical = await resolver.nameOf(logicalId, path);
    if (physical === undefined) continue;
    if (resource.Type === 'AWS::SQS::Queue') {
      const attributes: Record<string, string> = {};
      for (const key of ['FifoQueue', 'VisibilityTimeout', 'ContentBasedDeduplication', 'DelaySeconds', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds']) {
        if (properties[key] !== undefined) attributes[key] = String(properties[key]);
      }
      queues.push({ name: physical, attributes, ...(properties.RedrivePolicy !== undefined ? { redrivePolicy: JSON.stringify(properties.RedrivePolicy) } : {}) });
    } else if (resource.Type === 'AWS::Kinesis::Stream') {
      streams.push({ name: physical, shardCount: typeof properties.ShardCount === 'number' ? properties.ShardCount : 1 });
    } else {
      tables.push({
        TableName: physical,
        KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
        AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
        BillingMode: 'PAY_PER_REQUEST',
        ...(isMap(properties.StreamSpecification) ? { StreamSpecification: { StreamEnabled: true, StreamViewType: properties.StreamSpecification.StreamViewType as 'NEW_IMAGE' } } : {}),
      });
    }
  }
  return { queues, streams, tables };
}

/** A function's properties over `Globals.Function`; environment variables of both are merged, as SAM does. */
function withGlobals(globals: Record<string, unknown>, properties: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...globals, ...properties };
  const globalVariables = isMap(globals.Environment) && isMap(globals.Environment.Variables) ? globals.Environment.Variables : undefined;
  const ownVariables = isMap(properties.Environment) && isMap(properties.Environment.Variables) ? properties.Environment.Variables : undefined;
  if (globalVariables && ownVariables) merged.Environment = { ...(properties.Environment as Record<string, unknown>), Variables: { ...globalVariables, ...ownVariables } };
  return merged;
}

/** A FunctionName given as an ARN (`arn:…:function:name[:qualifier]`) names the function `name`. */
function functionNameOf(reference: string): string {
  const match = /:function:([^:]+)/.exec(reference);
  return match ? match[1]! : reference;
}

/** SAM's `DestinationConfig.OnFailure.Type` (SQS / SNS) only chooses IAM permissions: dropped. */
function withoutSamTypes(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (isMap(value)) {
      const { Type: _type, ...rest } = value;
      out[key] = rest;
    } else out[key] = value;
  }
  return out;
}

function renamed(properties: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) out[RENAMED[key] ?? key] = value;
  return out;
}

function stackNameOf(file: string): string {
  return (file.split('/').pop() ?? 'stack').replace(/\.(ya?ml|json)$/, '').replace(/[^A-Za-z0-9-]/g, '-');
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
