/** What a template declares for the service, before validation: functions and mappings in the configuration's shape. */
export interface TemplateDeclarations {
  /** Function name → its configuration entry (`handler: /abs/file.mjs#export`, `timeout`, …). */
  readonly functions: Record<string, Record<string, unknown>>;
  /** Template path of each function (for messages). */
  readonly functionPaths: Record<string, string>;
  /** Mappings in the fields of CreateEventSourceMapping, each with the template path it came from. */
  readonly eventSourceMappings: { readonly mapping: Record<string, unknown>; readonly path: string }[];
  /** What the template holds that is not an event source mapping and was skipped (for the start log). */
  readonly skipped: string[];
}

export function emptyDeclarations(): TemplateDeclarations {
  return { functions: {}, functionPaths: {}, eventSourceMappings: [], skipped: [] };
}

/** Node.js runtimes run as `handler:` targets; other runtimes cannot run locally. */
export function isNodeRuntime(runtime: unknown): boolean {
  return typeof runtime === 'string' && /^nodejs\d+\.x$/.test(runtime);
}
