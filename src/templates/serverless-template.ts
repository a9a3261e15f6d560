import type { ValidationIssue } from '../config/config-error.js';
import { TemplateResolver, type TemplateResource } from './template-resolver.js';
import { resourceLookup } from './template-resources.js';
import { isNodeRuntime, type TemplateDeclarations } from './template-declarations.js';
import { handlerTarget } from './handler-module.js';
import type { TemplateReadOptions } from './sam-template.js';
import { readSamTemplate } from './sam-template.js';

/** The stage `${sls:stage}` and `${opt:stage}` name (the framework's default). */
const DEFAULT_STAGE = 'dev';
const FUNCTION_FIELDS = new Set(['handler', 'runtime', 'timeout', 'memorySize', 'reservedConcurrency', 'events', 'description', 'name', 'environment']);
const SQS_FIELDS: Readonly<Record<string, string>> = {
  arn: 'EventSourceArn',
  batchSize: 'BatchSize',
  maximumBatchingWindow: 'MaximumBatchingWindowInSeconds',
  enabled: 'Enabled',
};
const STREAM_FIELDS: Readonly<Record<string, string>> = {
  arn: 'EventSourceArn',
  batchSize: 'BatchSize',
  batchWindow: 'MaximumBatchingWindowInSeconds',
  startingPosition: 'StartingPosition',
  startingPositionTimestamp: 'StartingPositionTimestamp',
  maximumRetryAttempts: 'MaximumRetryAttempts',
  bisectBatchOnFunctionError: 'BisectBatchOnFunctionError',
  parallelizationFactor: 'ParallelizationFactor',
  maximumRecordAgeInSeconds: 'MaximumRecordAgeInSeconds',
  tumblingWindowInSeconds: 'TumblingWindowInSeconds',
  enabled: 'Enabled',
};

/**
 * Reads a Serverless Framework `serverless.yml`: each function with a Node.js runtime becomes a `handler:` function
 * (named by its key), its `sqs` and `stream` events become mappings, and `resources.Resources` is read as a
 * CloudFormation template (its queues, streams and tables, for `Fn::GetAtt` and `--create-resources`).
 */
export async function readServerlessTemplate(document: Record<string, unknown>, options: TemplateReadOptions): Promise<TemplateDeclarations> {
  const { file, issues } = options;
  const variables = substituteVariables(document, document, '', file, options, issues) as Record<string, unknown>;
  const provider = isMap(variables.provider) ? variables.provider : {};
  const cloudFormation = isMap(variables.resources) && isMap(variables.resources.Resources) ? variables.resources.Resources : {};
  // The resources part is a CloudFormation template: created and resolved as one (its own functions and mappings count).
  const out = await readSamTemplate({ Resources: cloudFormation }, options);
  const resolver = new TemplateResolver(
    { region: options.region, account: options.account, stackName: String(variables.service ?? 'service'), resources: cloudFormation as Record<string, TemplateResource>, parameters: {}, lookup: resourceLookup(options.clients) },
    issues,
  );
  const functions = isMap(variables.functions) ? variables.functions : {};
  for (const [name, raw] of Object.entries(functions)) {
    const path = `${file}: functions.${name}`;
    if (!isMap(raw)) continue;
    const before = issues.length;
    for (const key of Object.keys(raw)) if (!FUNCTION_FIELDS.has(key)) issues.push({ path: `${path}.${key}`, message: 'is not supported for local runs' });
    const runtime = raw.runtime ?? provider.runtime ?? 'nodejs20.x';
    if (!isNodeRuntime(runtime)) issues.push({ path: `${path}.runtime`, message: `${JSON.stringify(runtime)}: only Node.js runtimes (nodejsNN.x) run locally, as handler: targets` });
    let handler: string | undefined;
    if (typeof raw.handler !== 'string') issues.push({ path: `${path}.handler`, message: 'is missing (path/file.export)' });
    else {
      const { target, tried } = handlerTarget(options.dir, raw.handler);
      if (target) handler = target;
      else issues.push({ path: `${path}.handler`, message: tried.length === 0 ? `${raw.handler} is not path/file.export` : `no module for ${raw.handler}: tried ${tried.join(', ')}` });
    }
    const events = Array.isArray(raw.events) ? raw.events : [];
    for (const [index, event] of events.entries()) {
      const eventPath = `${path}.events[${index}]`;
      if (!isMap(event)) continue;
      const [type, value] = Object.entries(event)[0] ?? [];
      if (type !== 'sqs' && type !== 'stream') {
        out.skipped.push(`${eventPath}: ${String(type)} is not an event source mapping`);
        continue;
      }
      const mapping = await eventMapping(type, value, name, `${eventPath}.${type}`, resolver, issues);
      if (mapping) out.eventSourceMappings.push({ mapping, path: `${eventPath}.${type}` });
    }
    if (issues.length > before || !handler) continue;
    const environment = await resolver.resolve({ ...(isMap(provider.environment) ? provider.environment : {}), ...(isMap(raw.environment) ? raw.environment : {}) }, `${path}.environment`);
    const timeout = raw.timeout ?? provider.timeout;
    const memorySize = raw.memorySize ?? provider.memorySize;
    out.functions[name] = {
      handler,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(memorySize !== undefined ? { memorySize } : {}),
      ...(raw.reservedConcurrency !== undefined ? { reservedConcurrency: raw.reservedConcurrency } : {}),
      ...(isMap(environment) && Object.keys(environment).length > 0 ? { environment } : {}),
    };
    out.functionPaths[name] = path;
  }
  return out;
}

/** An `sqs:` or `stream:` event in the fields of CreateEventSourceMapping. */
async function eventMapping(
  type: 'sqs' | 'stream',
  raw: unknown,
  functionName: string,
  path: string,
  resolver: TemplateResolver,
  issues: ValidationIssue[],
): Promise<Record<string, unknown> | undefined> {
  const fields = isMap(raw) && !isIntrinsic(raw) ? raw : { arn: raw };
  const names = type === 'sqs' ? SQS_FIELDS : STREAM_FIELDS;
  const mapping: Record<string, unknown> = { FunctionName: functionName, ...(type === 'stream' ? { StartingPosition: 'TRIM_HORIZON' } : {}) };
  const before = issues.length;
  for (const [key, value] of Object.entries(fields)) {
    const resolved = await resolver.resolve(value, `${path}.${key}`);
    if (names[key]) mapping[names[key]!] = resolved;
    else if (key === 'functionResponseType') mapping.FunctionResponseTypes = [resolved];
    else if (key === 'filterPatterns' && Array.isArray(resolved)) mapping.FilterCriteria = { Filters: resolved.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) };
    else if (key === 'maximumConcurrency' && type === 'sqs') mapping.ScalingConfig = { MaximumConcurrency: resolved };
    else if (key === 'type' && type === 'stream' && (resolved === 'kinesis' || resolved === 'dynamodb')) continue;
    else if (key === 'destinations' && type === 'stream' && isMap(resolved) && Object.keys(resolved).every((name) => name === 'onFailure')) {
      const onFailure = isMap(resolved.onFailure) ? resolved.onFailure.arn : resolved.onFailure;
      mapping.DestinationConfig = { OnFailure: { Destination: onFailure } };
    } else issues.push({ path: `${path}.${key}`, message: 'is not supported for local runs' });
  }
  return issues.length > before ? undefined : mapping;
}

/**
 * Replaces the framework's variables: `${self:a.b}` (this file), `${sls:stage}` and `${opt:stage[, default]}` (the
 * stage: `dev`), `${aws:region}`, `${aws:accountId}`. Any other source is an issue at its path.
 */
function substituteVariables(value: unknown, root: Record<string, unknown>, path: string, file: string, options: TemplateReadOptions, issues: ValidationIssue[], depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item, index) => substituteVariables(item, root, `${path}[${index}]`, file, options, issues, depth));
  if (isMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteVariables(item, root, path ? `${path}.${key}` : key, file, options, issues, depth)]));
  }
  if (typeof value !== 'string' || !value.includes('${') || depth > 10) return value;
  const whole = /^\$\{([^}]+)\}$/.exec(value);
  const lookup = (reference: string): unknown => {
    const [source, fallback] = reference.split(/,\s*/, 2) as [string, string | undefined];
    const defaultValue = fallback?.replace(/^['"]|['"]$/g, '');
    if (source === 'sls:stage' || source === 'opt:stage') return DEFAULT_STAGE;
    if (source === 'aws:region') return options.region;
    if (source === 'aws:accountId') return options.account;
    if (source.startsWith('self:')) {
      const found = source.slice(5).split('.').reduce<unknown>((node, key) => (isMap(node) ? node[key] : undefined), root);
      if (found !== undefined) return substituteVariables(found, root, path, file, options, issues, depth + 1);
    }
    if (defaultValue !== undefined) return defaultValue;
    issues.push({ path: `${file}: ${path}`, message: `\${${reference}} cannot be resolved (supported: self:, sls:stage, opt:stage, aws:region, aws:accountId)` });
    return undefined;
  };
  // `${AWS::Region}`, `${Queue.Arn}`: CloudFormation's own (Fn::Sub), not the framework's.
  const isVariable = (reference: string) => /^[a-z]+:(?!:)/.test(reference);
  if (whole && isVariable(whole[1]!)) return lookup(whole[1]!);
  return value.replace(/\$\{([^}]+)\}/g, (match, reference: string) => (isVariable(reference) ? String(lookup(reference) ?? '') : match));
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
