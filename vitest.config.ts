import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real brokers, hubs and serial pairs; two cores on CI.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
