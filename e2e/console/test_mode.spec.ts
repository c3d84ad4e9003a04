import { expect, test } from '@playwright/test';
import { sampleElection } from '@scrutin/shared/node';
import { ConsoleApp } from '../support/console_pages.ts';
import { startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * A test election in the results console (docs/decisions/0010-test-mode.md): a banner on every
 * page of it, a "Test" pill by its state, "[ESSAI]" in the election menu and its results
 * labelled test results, its public receipt page included; the live election beside it shows
 * none of it. Central counted the test station's batch and refused the same station's batch
 * signed live.
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

test('the public receipt page of a test election carries the test banner; of the live election, none', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  // No login: the page is the voters'.
  await app.open('receipt', TEST_ELECTION);
  const form = page.getByRole('form', { name: 'Vérifier mon reçu' });
  await expect(form.locator('select[name="election"]')).toHaveValue(TEST_ELECTION);
  await expect(app.testId('test-banner')).toContainText('ÉLECTION D’ESSAI');
  await expect(app.testId('test-banner')).toContainText('jamais ceux de l’élection');
  // The election menu tells the test rehearsal from the election of the same name, as the console's does.
  await expect(form.locator('select[name="election"] option:checked')).toHaveText(/^\[ESSAI\] /);
  await expect(form.locator(`select[name="election"] option[value="${LIVE_ELECTION}"]`)).not.toHaveText(/ESSAI/);
  await app.expectAccessible();
  await app.screenshot('test-mode-receipt');

  // The voter picks the live election on the same page: the banner goes.
  await form.locator('select[name="election"]').selectOption(LIVE_ELECTION);
  await expect(app.testId('test-banner')).toHaveCount(0);

  // Reached from the live election's address, in English: no banner either.
  await app.open('receipt', LIVE_ELECTION);
  await page.getByRole('button', { name: 'English' }).click();
  const formEn = page.getByRole('form', { name: 'Check my receipt' });
  await expect(formEn.locator('select[name="election"]')).toHaveValue(LIVE_ELECTION);
  await expect(app.testId('test-banner')).toHaveCount(0);
  await formEn.locator('select[name="election"]').selectOption(TEST_ELECTION);
  await expect(app.testId('test-banner')).toContainText('TEST ELECTION');
  await expect(formEn.locator('select[name="election"] option:checked')).toHaveText(/^\[TEST\] /);
  await app.screenshot('test-mode-receipt-en');
});
