import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the kiosk and the results console, in Debian's Chromium
 * (`apt-get install -y chromium`): Playwright's own browser download is not used. Each spec
 * starts the servers it needs (see e2e/support/), against the real Postgres, Redis and
 * RabbitMQ. Screenshots of every screen are written to e2e/artifacts/screenshots/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  // Stops the run at once, with what to do, when PostgreSQL, Redis or RabbitMQ does not answer.
  globalSetup: './e2e/support/global_setup.ts',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI === undefined ? 'list' : [['list'], ['junit', { outputFile: 'test-results/e2e-junit.xml' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
