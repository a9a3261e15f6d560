import type { HttpServer } from './http-server.js';
import { sendJson } from './http-server.js';
import { readJsonObject } from './json-request.js';
import { ApiError } from '../errors/api-error.js';
import type { ValidationIssue } from '../config/config-error.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { FAULT_FIELDS, validateFaults } from '../faults/function-faults.js';
import type { FaultControl } from '../faults/fault-registry.js';

export const FAULTS_PATH = '/_esm/functions/{FunctionName}/faults';

/**
 * Fault injection for tests: `PUT` sets the faults of a configured function (replacing any), `GET` shows them with
 * what a `count` still covers, `DELETE` clears them. The answer is `{ FunctionName, Faults }` (`Faults: null` when
 * none); a body that is not valid is a 400 naming the field.
 */
export function registerFaultRoutes(server: HttpServer, functions: FunctionRegistry, faults: FaultControl): void {
  server.route('PUT', FAULTS_PATH, async (request, response, params) => {
    const fn = functions.resolve(params.FunctionName!);
    const body = await readJsonObject(request, 'PutFunctionFaults', FAULT_FIELDS);
    const issues: ValidationIssue[] = [];
    const valid = validateFaults(body, 'faults', issues, Date.now());
    if (!valid) throw new ApiError('InvalidParameterValueException', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    sendJson(response, 200, { FunctionName: fn.name, Faults: await faults.set(fn.name, valid) });
  });
  server.route('GET', FAULTS_PATH, async (_request, response, params) => {
    const fn = functions.resolve(params.FunctionName!);
    sendJson(response, 200, { FunctionName: fn.name, Faults: (await faults.get(fn.name)) ?? null });
  });
  server.route('DELETE', FAULTS_PATH, async (_request, response, params) => {
    const fn = functions.resolve(params.FunctionName!);
    await faults.clear(fn.name);
    sendJson(response, 200, { FunctionName: fn.name, Faults: null });
  });
}
