// Copies non-TypeScript runtime assets (Lua scripts) from src/ and pollers/ into dist/, keeping their paths,
// so compiled modules find them next to themselves.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';

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
