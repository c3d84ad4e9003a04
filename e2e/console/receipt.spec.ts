import { expect, test } from '@playwright/test';
import { formatTrackingCode, type TrackingCode } from '@scrutin/shared';
import { ConsoleApp } from '../support/console_pages.ts';
import { startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * "Check my receipt", the console's public page, against the real central server: reached from
 * the login page and from the overview, no login needed; a counted code answers "received and
 * counted" only once the polls have closed, an unknown one "not found", a mistyped one is
 * caught before asking. Photographed to e2e/artifacts/screenshots/console-receipt-*.png.
 */

test.describe.configure({ mode: 'serial' });
test.use({ reducedMotion: 'reduce', viewport: { width: 1280, height: 900 } });

let central: ConsoleCentral;
let codes: readonly TrackingCode[] = [];
const ELECTION = 'qc-demo-2026';

test.beforeAll(async () => {
  central = await startConsoleCentral();
  codes = (await central.command('receipts ST-00001 3')).codes as TrackingCode[];
  expect(codes).toHaveLength(3);
});

test.afterAll(async () => {
  await central.stop();
});

/** A well-formed code that no ballot carried. */
const unknownCode = () => {
  const candidate = 'ZZZZ-ZZZZ-ZZZZ';
  return codes.includes('ZZZZZZZZZZZZ' as TrackingCode) ? 'YYYY-YYYY-YYYY' : candidate;
};

test('reached from the login page without logging in; nothing is public while the polls are open', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.open('login');
  await page.getByRole('link', { name: 'Vérifier mon reçu' }).click();
  await expect(page).toHaveURL(/\/console\/receipt/);
  const form = page.getByRole('form', { name: 'Vérifier mon reçu' });
  await expect(form).toBeVisible();
  const input = form.getByRole('textbox', { name: 'Code de reçu' });
  await expect(input).toBeFocused();

  // A counted code and an unknown one get the same answer before the polls close.
  for (const code of [formatTrackingCode(codes[0] as TrackingCode), unknownCode()]) {
    await input.fill(code);
    await form.getByRole('button', { name: 'Vérifier' }).click();
    await expect(app.testId('receipt-outcome')).toContainText('Pas encore publié');
    await expect(app.testId('receipt-outcome')).toContainText('Les reçus se vérifient après la fermeture des bureaux.');
  }
  await app.expectAccessible();
  await app.screenshot('receipt-not-yet-public');
});

test('once the polls have closed: received and counted, not found, a mistyped code caught; FR and EN', async ({ page }) => {
  await central.command(`close ${ELECTION}`);
  const app = new ConsoleApp(page, central.url);
  await app.open('receipt');
  const form = page.getByRole('form', { name: 'Vérifier mon reçu' });
  const input = form.getByRole('textbox', { name: 'Code de reçu' });
  const outcome = app.testId('receipt-outcome');

  // Typed the way a voter may: lower case, no dashes, O for 0 and L for 1.
  const counted = codes[1] as TrackingCode;
  await input.fill(counted.toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l'));
  await form.getByRole('button', { name: 'Vérifier' }).click();
  await expect(outcome).toContainText('Reçu et compté');
  await expect(outcome).toContainText(formatTrackingCode(counted));
  await app.expectAccessible();
  await app.screenshot('receipt-counted');

  await input.fill(unknownCode());
  await form.getByRole('button', { name: 'Vérifier' }).click();
  await expect(outcome).toContainText('Introuvable');
  await expect(outcome).toContainText('Vérifiez le code, ou adressez-vous au directeur du scrutin.');
  await app.screenshot('receipt-not-found');

  await input.fill('ABC-123');
  await form.getByRole('button', { name: 'Vérifier' }).click();
  await expect(outcome).toContainText('Ce n’est pas un code de reçu');
  await expect(input).toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('button', { name: 'English' }).click();
  const formEn = page.getByRole('form', { name: 'Check my receipt' });
  await formEn.getByRole('textbox', { name: 'Receipt code' }).fill(formatTrackingCode(codes[2] as TrackingCode));
  await formEn.getByRole('button', { name: 'Check' }).click();
  await expect(outcome).toContainText('Received and counted');
  await formEn.getByRole('textbox', { name: 'Receipt code' }).fill(unknownCode());
  await formEn.getByRole('button', { name: 'Check' }).click();
  await expect(outcome).toContainText('Not found');
  await expect(outcome).toContainText('check the code, or ask the returning officer', { ignoreCase: true });
  await app.screenshot('receipt-not-found-en');
  await page.getByRole('button', { name: 'Français' }).click();
});

test('reached from the results overview of an official', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.observer);
  await app.open('overview', ELECTION);
  await page.getByRole('link', { name: 'Vérifier mon reçu' }).click();
  await expect(page).toHaveURL(/\/console\/receipt\?election=qc-demo-2026/);
  await expect(page.getByRole('form', { name: 'Vérifier mon reçu' })).toBeVisible();
});
