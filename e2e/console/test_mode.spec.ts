import { expect, test } from '@playwright/test';
import { sampleElection } from '@scrutin/shared/node';
import { ConsoleApp } from '../support/console_pages.ts';
import { startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * A test election in the results console (docs/decisions/0010-test-mode.md): a banner on every
 * page of it, a "Test" pill by its state, "[ESSAI]" in the election menu and its results
 * labelled test results; the live election beside it shows none of it. Central counted the
 * test station's batch and refused the same station's batch signed live.
 */

test.describe.configure({ mode: 'serial' });
test.use({ reducedMotion: 'reduce', viewport: { width: 1600, height: 1000 } });

let central: ConsoleCentral;
let TEST_ELECTION = '';
const LIVE_ELECTION = sampleElection().id;

test.beforeAll(async () => {
  central = await startConsoleCentral();
  // The live sample election with two counted ballots, then its test rehearsal with three.
  await central.command('receipts ST-00001 2');
  const answer = await central.command('test-election ST-00004 3');
  expect(answer).toMatchObject({ election: `${LIVE_ELECTION}-test`, ballots: 3, refused: 'live-batch-in-test-election' });
  TEST_ELECTION = String(answer.election);
});

test.afterAll(async () => {
  await central.stop();
});

test('every page of a test election carries the test banner, and its results are labelled test results', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.admin);

  await app.open('overview', TEST_ELECTION);
  await expect(app.testId('overview')).toBeVisible();
  await expect(app.testId('test-banner')).toContainText('ÉLECTION D’ESSAI');
  await expect(app.testId('test-pill')).toHaveText('Essai');
  await expect(app.testId('overview').locator('.subtitle')).toContainText('Résultats d’essai');
  await expect(page.locator('#election-select option:checked')).toHaveText(/^\[ESSAI\] /);
  await expect(app.testId('kpi-ballots')).toContainText('3');
  await app.expectAccessible();
  await app.screenshot('test-mode-overview');

  for (const path of ['ridings', 'stations', 'rejections', 'audit', 'exports', 'station-admin', 'credentials']) {
    await app.open(path, TEST_ELECTION);
    await expect(app.testId('test-banner'), path).toBeVisible();
  }
  // The exports of a test election are named TEST-….
  await app.open('exports', TEST_ELECTION);
  const config = page.locator('[data-testid^="rctab-config-"]').first();
  await expect(config).toHaveAttribute('download', /^TEST-.+_config\.json$/);
  await app.screenshot('test-mode-exports');

  await app.page.getByRole('button', { name: 'EN' }).click();
  await app.open('overview', TEST_ELECTION);
  await expect(app.testId('test-banner')).toContainText('TEST ELECTION');
  await expect(app.testId('overview').locator('.subtitle')).toContainText('Test results');
  await app.screenshot('test-mode-overview-en');
});

test('the live election beside it shows no test mark', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);
  await app.open('overview', LIVE_ELECTION);
  await expect(app.testId('overview')).toBeVisible();
  await expect(app.testId('kpi-ballots')).toContainText('2');
  await expect(app.testId('test-banner')).toHaveCount(0);
  await expect(app.testId('test-pill')).toHaveCount(0);
  await expect(app.testId('overview').locator('.subtitle')).not.toContainText('essai');
});
