import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { AwsClientFactory } from '../aws/client-factory.js';
import { defaultRegion, type Env } from '../config/env.js';
import type { ValidationIssue } from '../config/config-error.js';
import { loadConfigFile, parseConfig } from '../config/load-config.js';
import type { ServiceConfig } from '../config/service-config.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';
import { parseTemplateText } from './cloudformation-yaml.js';
import { readSamTemplate, type TemplateReadOptions } from './sam-template.js';
import { readServerlessTemplate } from './serverless-template.js';
import { emptyDeclarations, type TemplateDeclarations } from './template-declarations.js';
import { TemplateError } from './template-error.js';

export interface TemplateLoadOptions {
  /** The configuration file beside the templates, if any. */
  readonly configFile?: string;
  readonly templates: readonly string[];
  readonly env: Env;
  /** Create the queues, streams and tables the templates declare when missing. */
  readonly createResources: boolean;
}

/**
 * The configuration of `esm-poller start --template …`: the file's (or the defaults) plus what each template declares,
 * validated together. Throws TemplateError for what a template cannot express locally (each issue at its template
 * path), ConfigError for what validation refuses.
 */
export async function loadConfigWithTemplates(options: TemplateLoadOptions): Promise<{ config: ServiceConfig; notes: string[] }> {
  const text = options.configFile ? readFileSync(options.configFile, 'utf8') : '';
  const { declarations, notes } = await readTemplates(options.templates, { env: options.env, region: regionOf(text, options.env), createResources: options.createResources });
  const config = options.configFile ? loadConfigFile(options.configFile, options.env, declarations) : parseConfig('', options.env, process.cwd(), declarations);
  return { config, notes };
}

/**
 * What the templates declare, merged (a function declared twice is an issue). Throws TemplateError listing every
 * problem at its template path.
 */
export async function readTemplates(
  templates: readonly string[],
  options: { readonly env: Env; readonly region: string; readonly createResources: boolean },
): Promise<{ declarations: TemplateDeclarations; notes: string[] }> {
  const region = options.region;
  const aws = new AwsClientFactory(options.env);
  const issues: ValidationIssue[] = [];
  const notes: string[] = [];
  const merged = emptyDeclarations();
  try {
    for (const file of templates) {
      const declarations = await readTemplate(file, { region, aws, issues, notes, createResources: options.createResources });
      for (const [name, definition] of Object.entries(declarations.functions)) {
        if (Object.hasOwn(merged.functions, name)) issues.push({ path: declarations.functionPaths[name]!, message: `function ${name} is also declared by ${merged.functionPaths[name]}` });
        merged.functions[name] = definition;
        merged.functionPaths[name] = declarations.functionPaths[name]!;
      }
      merged.eventSourceMappings.push(...declarations.eventSourceMappings);
      notes.push(...declarations.skipped.map((line) => `skipped ${line}`));
    }
  } finally {
    aws.destroy();
  }
  if (issues.length > 0) throw new TemplateError(issues);
  return { declarations: merged, notes };
}

async function readTemplate(
  file: string,
  context: { region: string; aws: AwsClientFactory; issues: ValidationIssue[]; notes: string[]; createResources: boolean },
): Promise<TemplateDeclarations> {
  let document: unknown;
  try {
    document = parseTemplateText(readFileSync(file, 'utf8'));
  } catch (err) {
    context.issues.push({ path: file, message: `cannot read the template: ${(err as Error).message.split('\n')[0]}` });
    return emptyDeclarations();
  }
  const options: TemplateReadOptions = {
    file,
    dir: dirname(resolve(file)),
    region: context.region,
    account: LOCAL_ACCOUNT_ID,
    clients: { sqs: context.aws.sqs(context.region), kinesis: context.aws.kinesis(context.region), dynamodb: context.aws.dynamodb(context.region) },
    createResources: context.createResources,
    issues: context.issues,
    notes: context.notes,
  };
  const map = typeof document === 'object' && document !== null && !Array.isArray(document) ? (document as Record<string, unknown>) : undefined;
  if (map && typeof map.service === 'string' && map.functions !== undefined) return readServerlessTemplate(map, options);
  if (map && map.Resources !== undefined) return readSamTemplate(map, options);
  context.issues.push({ path: file, message: 'is neither a CloudFormation / SAM template (Resources) nor a serverless.yml (service, functions)' });
  return emptyDeclarations();
}

/** The region templates resolve in: the file's `region:`, else the environment's default. */
export function regionOf(text: string, env: Env): string {
  try {
    const region = (parse(text) as { region?: unknown } | null)?.region;
    if (typeof region === 'string' && !region.includes('${')) return region;
  } catch {
    // The configuration's own validation reports it.
  }
  return defaultRegion(env);
}
