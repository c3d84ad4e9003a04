import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The kiosk renderer's build flag (desktop/src/renderer/build_flags.d.ts): off in unit tests.
  define: { __SCRUTIN_E2E__: 'false' },
  test: {
    // Unit tests next to their code, the demo's smoke test, and the station↔central integration tests.
    include: [
      '{shared,server,desktop,installers,demo}/src/**/*.test.{ts,tsx}',
      'server/console/src/**/*.test.{ts,tsx}',
      'e2e/integration/**/*.test.ts',
    ],
    // Fault tests restart the shared services: they run alone (vitest.faults.config.ts).
    exclude: ['**/node_modules/**', '**/*.fault.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Stops the run at once, with what to do, when PostgreSQL, Redis or RabbitMQ does not answer.
    globalSetup: ['server/src/testing/global_setup.ts'],
  },
});
