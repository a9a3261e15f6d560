import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { readBody, sendJson, type RouteHandler } from './http-server.js';
import { EventInvokeConfigError, validateEventInvokeConfig, type EventInvokeConfig } from '../async/event-invoke-config.js';
import type { EventInvokeConfigStore, StoredEventInvokeConfig } from '../async/event-invoke-config-store.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';

/** `…/event-invoke-config`: Put (PUT), Update (POST), Get (GET) and Delete (DELETE) FunctionEventInvokeConfig. */
export const EVENT_INVOKE_CONFIG_PATH = '/2019-09-25/functions/{FunctionName}/event-invoke-config';
/** `…/event-invoke-config/list`: ListFunctionEventInvokeConfigs. */
export const EVENT_INVOKE_CONFIG_LIST_PATH = '/2019-09-25/functions/{FunctionName}/event-invoke-config/list';
/** Largest request body accepted, bytes (three settings and two ARNs fit many times). */
const MAX_BODY_BYTES = 64 * 1024;
const LATEST = '$LATEST';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface EventInvokeConfigRouteOptions {
  readonly functions: FunctionRegistry;
  readonly store: EventInvokeConfigStore;
  readonly region: string;
}

/**
 * The event invoke config API of Lambda (spec §6.2), for the configured functions and their only version,
 * `$LATEST`: Put replaces the whole config, Update merges into an existing one, Get and Delete answer 404 when
 * there is none. Configs live in Redis, shared by every replica; settings in the configuration file are written
 * there at start.
 */
export function eventInvokeConfigRoutes(options: EventInvokeConfigRouteOptions): readonly [method: string, path: string, handler: RouteHandler][] {
  const { functions, store } = options;
  const arnOf = (name: string, qualifier = LATEST) => `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT_ID}:function:${name}:${qualifier}`;

  /** The function and qualifier a request names; a version or alias other than $LATEST does not exist here. */
  const target = (request: IncomingMessage, params: Readonly<Record<string, string>>, missing: 'function' | 'config') => {
    const qualifier = new URL(request.url ?? '/', 'http://localhost').searchParams.get('Qualifier') ?? undefined;
    let name: string;
    try {
      name = functions.resolve(params.FunctionName!, qualifier).name;
    } catch (err) {
      if (!(err instanceof ApiError) || err.name !== 'ResourceNotFoundException') throw err;
      throw missing === 'function'
        ? new ApiError('ResourceNotFoundException', "The function doesn't exist.")
        : new ApiError('ResourceNotFoundException', `The function ${arnOf(functionNameOf(params.FunctionName!), qualifier)} doesn't have an EventInvokeConfig`);
    }
    return name;
  };
  const noConfig = (name: string) => new ApiError('ResourceNotFoundException', `The function ${arnOf(name)} doesn't have an EventInvokeConfig`);
  const validate = (name: string, body: Record<string, unknown>): EventInvokeConfig => {
    try {
      return validateEventInvokeConfig(body, { functionName: name, functionNames: new Set(functions.all().map((fn) => fn.name)), region: options.region });
    } catch (err) {
      if (err instanceof EventInvokeConfigError) throw new ApiError(err.name, err.message);
      throw err;
    }
  };
  const answer = (response: ServerResponse, name: string, config: StoredEventInvokeConfig) => sendJson(response, 200, responseOf(arnOf(name), config));

  const put: RouteHandler = async (request, response, params) => {
    const body = await jsonBody(request);
    requireSomeSetting(body);
    const name = target(request, params, 'function');
    answer(response, name, await store.put(name, validate(name, body)));
  };
  const update: RouteHandler = async (request, response, params) => {
    const body = await jsonBody(request);
    requireSomeSetting(body);
    const name = target(request, params, 'function');
    const changes = validate(name, body);
    const existing = await store.get(name);
    if (!existing) throw noConfig(name);
    const { LastModified: _lastModified, ...current } = existing;
    answer(response, name, await store.put(name, { ...current, ...changes }));
  };
  const get: RouteHandler = async (request, response, params) => {
    const name = target(request, params, 'config');
    const config = await store.get(name);
    if (!config) throw noConfig(name);
    answer(response, name, config);
  };
  const remove: RouteHandler = async (request, response, params) => {
    const name = target(request, params, 'config');
    if (!(await store.delete(name))) throw noConfig(name);
    response.writeHead(204, { 'content-length': 0 });
    response.end();
  };
  const list: RouteHandler = async (request, response, params) => {
    const name = target(request, params, 'function');
    const config = await store.get(name);
    sendJson(response, 200, { FunctionEventInvokeConfigs: config ? [responseOf(arnOf(name), config)] : [] });
  };
  return [
    ['PUT', EVENT_INVOKE_CONFIG_PATH, put],
    ['POST', EVENT_INVOKE_CONFIG_PATH, update],
    ['GET', EVENT_INVOKE_CONFIG_PATH, get],
    ['DELETE', EVENT_INVOKE_CONFIG_PATH, remove],
    ['GET', EVENT_INVOKE_CONFIG_LIST_PATH, list],
  ];
}

/** AWS's `FunctionEventInvokeConfig`: unset settings omitted, `DestinationConfig` always with both members. */
function responseOf(functionArn: string, config: StoredEventInvokeConfig): Record<string, unknown> {
  const onSuccess = config.DestinationConfig?.OnSuccess?.Destination;
  const onFailure = config.DestinationConfig?.OnFailure?.Destination;
  return {
    LastModified: config.LastModified,
    FunctionArn: functionArn,
    ...(config.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: config.MaximumRetryAttempts } : {}),
    ...(config.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: config.MaximumEventAgeInSeconds } : {}),
    DestinationConfig: {
      OnSuccess: onSuccess ? { Destination: onSuccess } : {},
      OnFailure: onFailure ? { Destination: onFailure } : {},
    },
  };
}

/** AWS checks this before it looks the function up. */
function requireSomeSetting(body: Record<string, unknown>): void {
  const given = (value: unknown) => value !== undefined && value !== null;
  if (!given(body.MaximumRetryAttempts) && !given(body.MaximumEventAgeInSeconds) && !given(body.DestinationConfig)) {
    throw new ApiError('InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
  }
}

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(request, MAX_BODY_BYTES, () => new ApiError('RequestEntityTooLargeException', `Request must be smaller than ${MAX_BODY_BYTES} bytes`));
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(UTF8.decode(body));
  } catch (err) {
    throw new ApiError('InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('InvalidRequestContentException', 'Could not parse request body into json: expected an object');
  }
  return parsed as Record<string, unknown>;
}

/** The bare function name of a name, partial ARN or ARN (for error messages about functions that do not exist). */
function functionNameOf(reference: string): string {
  const match = /(?:function:)?([A-Za-z0-9_-]{1,64})(?::[^:]*)?$/.exec(reference);
  return match?.[1] ?? reference;
}
