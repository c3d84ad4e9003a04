import { defineConfig } from 'vitest/config';

/**
 * The fault tests restart PostgreSQL, Redis and RabbitMQ: they run alone, one file at a
 * time, after the main suite (`npm run test:faults`, part of `npm test`).
 */
export default defineConfig({
  test: {
    include: ['{shared,server,desktop,demo}/src/**/*.fault.test.ts', 'e2e/integration/**/*.fault.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Stops the run at once, with what to do, when PostgreSQL, Redis or RabbitMQ does not answer.
    globalSetup: ['server/src/testing/global_setup.ts'],
    fileParallelism: false,
  },
});
