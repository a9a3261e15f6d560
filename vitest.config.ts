import { defineConfig } from 'vitest/config';

// Tests run from the compiled output (`npm test` builds first), exactly as the service runs in production:
// worker-thread handlers and spawned service processes use the same files the tests import.
export default defineConfig({
  test: {
    include: ['dist/test/**/*.test.js', 'dist/examples/**/*.test.js'],
    globalSetup: ['dist/test/harness/global-setup.js'],
    pool: 'forks',
    maxWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // In-process SDK clients sign with the default credential chain; the emulators accept any key.
    env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  },
});
