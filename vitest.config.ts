import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Database tests wait on real I/O; a generous bound keeps a slow CI machine from failing them.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
