import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The kiosk renderer's build flag (desktop/src/renderer/build_flags.d.ts): off in unit tests.
  define: { __SCRUTIN_E2E__: 'false' },
  test: {
    include: ['{shared,server,desktop}/src/**/*.test.{ts,tsx}'],
    // Fault tests restart the shared services: they run alone (vitest.faults.config.ts).
    exclude: ['**/node_modules/**', '**/*.fault.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
