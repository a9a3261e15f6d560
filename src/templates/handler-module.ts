import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Module extensions Lambda's Node.js runtime tries for a handler's file, in its order. */
const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/**
 * The `handler:` target of a Lambda handler string (`path/file.export`) under a code folder: the first existing
 * `file.js`, `.mjs` or `.cjs`, as `<absolute path>#export`; undefined (with the candidates tried) when none exists.
 */
export function handlerTarget(codeDir: string, handler: string): { target?: string; tried: string[] } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) return { tried: [] };
  const base = resolve(codeDir, handler.slice(0, dot));
  const exportName = handler.slice(dot + 1);
  const tried = MODULE_EXTENSIONS.map((extension) => `${base}${extension}`);
  const found = tried.find((file) => existsSync(file));
  return found ? { target: `${found}#${exportName}`, tried } : { tried };
}

/** The folder of a template's code: `CodeUri` relative to the template's folder. */
export function codeFolder(templateDir: string, codeUri: string | undefined): string {
  return codeUri === undefined ? templateDir : join(templateDir, codeUri);
}
