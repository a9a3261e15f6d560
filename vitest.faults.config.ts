import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// `npm run test:faults`: the fault-injection suite in its full form (many kills, long outages), one file at a time.
// The default run (`npm test`) includes the same files in their short form.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['dist/test/faults/**/*.test.js'],
    maxWorkers: 1,
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    env: { ...base.test?.env, ESM_FAULTS: 'full' },
  },
});
