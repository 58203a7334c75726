import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'lab-server/src/**/*.test.ts'],
    // Integration tests start real servers and real client processes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
