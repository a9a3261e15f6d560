import { REPO_ROOT } from './repo-root.js';

export { REPO_ROOT };

/** A `handler:` reference to a fixture module in test/fixtures/handlers, e.g. `fixtureHandler('echo.mjs')`. */
export function fixtureHandler(file: string, exportName = 'handler'): string {
  return `${REPO_ROOT}test/fixtures/handlers/${file}#${exportName}`;
}
