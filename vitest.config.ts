import { defineConfig } from 'vitest/config';

// Integration tests start real processes on ephemeral ports; they are slower than
// unit tests, so the timeouts are generous but bounded.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
