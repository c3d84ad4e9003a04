import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,server}/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
