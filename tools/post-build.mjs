// Runs after `tsc`: completes dist/ with what the compiler does not emit.
// 1. Runtime assets (Lua scripts) from src/ and pollers/, copied beside their compiled modules.
// 2. dist/cli.js, the package's command (`bin`), so that `node dist/cli.js` and `npx esm-poller` both work.
import { chmodSync, cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ASSET_EXTENSIONS = ['.lua'];

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSET_EXTENSIONS.some((ext) => entry.endsWith(ext))) {
      const target = join('dist', path);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

for (const root of ['src', 'pollers']) copyAssets(root);

writeFileSync('dist/cli.js', "#!/usr/bin/env node\nimport './src/cli.js';\n");
chmodSync('dist/cli.js', 0o755);
