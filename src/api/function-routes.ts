import { basename } from 'node:path';
import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { readMaxItems } from './json-request.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import type { LambdaFunction } from '../functions/lambda-function.js';

export const FUNCTIONS_PATH = '/2015-03-31/functions';
export const FUNCTION_PATH = '/2015-03-31/functions/{FunctionName}';

/** ListFunctions: at most 50 functions a page (Lambda API reference). */
const MAX_LIST_PAGE_ITEMS = 50;
/** The runtime reported for `handler:` functions: the Node.js the service runs them in. */
const HANDLER_RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

/**
 * Read-only GetFunction and ListFunctions for the configured functions, so `aws lambda list-functions` shows what can
 * be mapped. Configuration comes from the configuration file; `LastModified` is when the service started.
 */
export function registerFunctionRoutes(server: HttpServer, functions: FunctionRegistry, startedAtMs: number): void {
  const lastModified = lambdaTimestamp(startedAtMs);
  for (const path of [FUNCTIONS_PATH, `${FUNCTIONS_PATH}/`]) {
    server.route('GET', path, (request, response) => {
      const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const maxItems = readMaxItems(query.get('MaxItems'), MAX_LIST_PAGE_ITEMS);
      const marker = query.get('Marker');
      const all = functions.all().sort((a, b) => a.name.localeCompare(b.name));
      const start = marker ? all.findIndex((fn) => fn.name > marker) : 0;
      const page = start === -1 ? [] : all.slice(start, start + maxItems);
      const more = start !== -1 && start + maxItems < all.length;
      sendJson(response, 200, {
        Functions: page.map((fn) => functionConfiguration(fn, lastModified)),
        ...(more ? { NextMarker: page.at(-1)!.name } : {}),
      });
    });
  }
  server.route('GET', FUNCTION_PATH, (request, response, params) => {
    const qualifier = new URL(request.url ?? '/', 'http://localhost').searchParams.get('Qualifier') ?? undefined;
    const fn = functions.resolve(params.FunctionName!, qualifier);
    const reserved = fn.definition.reservedConcurrency;
    sendJson(response, 200, {
      Configuration: functionConfiguration(fn, lastModified),
      Code: {},
      ...(reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: reserved } } : {}),
    });
  });
}

/** `FunctionConfiguration` of a configured function, in Lambda's shape. */
function functionConfiguration(fn: LambdaFunction, lastModified: string): Record<string, unknown> {
  const target = fn.definition.target;
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    ...(target.type === 'handler' ? { Runtime: HANDLER_RUNTIME, Handler: `${basename(target.file)}#${target.exportName}` } : {}),
    Description: target.type === 'handler' ? `handler: ${target.file}` : target.type === 'url' ? `url: ${target.url}` : `arn: ${target.arn}`,
    Timeout: fn.definition.timeoutSeconds,
    MemorySize: fn.definition.memorySizeMb,
    LastModified: lastModified,
    CodeSize: 0,
    Version: '$LATEST',
    PackageType: 'Zip',
    Architectures: [process.arch === 'arm64' ? 'arm64' : 'x86_64'],
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

/** Lambda's timestamp format: `2019-10-26T18:29:19.222+0000`. */
function lambdaTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

