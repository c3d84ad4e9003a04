import { expect, test, type Page } from '@playwright/test';
import type { VoterCard } from '@scrutin/server/testing';
import { KioskEnvironment, PIN, PLURALITY_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk } from '../support/kiosk_pages.ts';

/**
 * A test election on the kiosk (docs/decisions/0010-test-mode.md): from the moment its kit is
 * loaded, every screen, staff and voter, in both languages, carries the ESSAI / TEST band; and
 * the test ballots the station sends are counted in the test election at central (its batches
 * are signed `mode: "test"`, which a live election would refuse).
 */
test.describe.configure({ mode: 'serial' });

let env: KioskEnvironment;
let station: KioskStation;
let kiosk: Kiosk;
let page: Page;
let cards: readonly VoterCard[];

const marker = () => page.getByTestId('test-marker');
const card = (i: number): VoterCard => {
  const c = cards[i];
  if (c === undefined) throw new Error(`no card ${i}`);
  return c;
};

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  env = await KioskEnvironment.start([PLURALITY_STATION], { mode: 'test' });
  station = await env.openKiosk(PLURALITY_STATION);
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  page = await context.newPage();
  await page.goto(station.url);
  kiosk = new Kiosk(page);
  cards = env.prepared.stations.find((s) => s.station === PLURALITY_STATION)?.cards ?? [];
});

test.afterAll(async () => {
  await page.context().close();
  await env.stop();
});

test('the technician sees the TEST band as soon as the test kit is loaded, on every setup screen', async () => {
  await kiosk.expectHeading('Installation du poste de vote');
  // No kit yet: nothing says test or live.
  await expect(marker()).toHaveCount(0);
  await kiosk.loadKit(env.kit(PLURALITY_STATION).kitDir);
  await expect(marker()).toContainText('ESSAI');
  await expect(marker()).toContainText('jamais comptés dans l’élection');
  await kiosk.enrol(env.kit(PLURALITY_STATION).token);
  await kiosk.checkConnection();
  await kiosk.capture('test-mode-setup');
  await kiosk.finishSetup();
  await kiosk.expectHeading('Le bureau de vote n’est pas encore ouvert');
  await expect(marker()).toBeVisible();
  await kiosk.capture('test-mode-polls-not-open');
});

test('poll workers and voters see it on every screen, in French and in English', async () => {
  await kiosk.unlockStaff(PIN);
  await kiosk.expectHeading('Tableau de bord du bureau');
  await expect(marker()).toContainText('ESSAI');
  await kiosk.capture('test-mode-dashboard');
  await kiosk.openPolls();
  await kiosk.lock();
  await kiosk.expectWelcome();
  await expect(marker()).toContainText('ESSAI');
  await kiosk.capture('test-mode-welcome');

  await kiosk.startVoting('fr');
  await expect(marker()).toBeVisible();
  await kiosk.enterCard(card(0));
  await kiosk.submitCard();
  await kiosk.expectHeading('Référendum L2025-001');
  await expect(marker()).toContainText('ESSAI');
  await kiosk.capture('test-mode-ballot');
  await kiosk.answer('Oui');
  await kiosk.next();
  await kiosk.answer('Hélène Dufresne');
  await kiosk.next();
  await expect(marker()).toBeVisible();
  expect(await kiosk.cast()).not.toBe('');
  await expect(marker()).toBeVisible();
  await kiosk.capture('test-mode-receipt');
  await kiosk.finish();

  await kiosk.startVoting('en');
  await expect(marker()).toContainText('TEST');
  await expect(marker()).toContainText('never counted in the election');
  await kiosk.enterCard(card(1));
  await kiosk.submitCard();
  await expect(page.getByRole('radio', { name: 'No' })).toBeVisible();
  await kiosk.capture('test-mode-ballot-en');
  await kiosk.answer('No');
  await kiosk.next();
  await kiosk.answer('Hélène Dufresne');
  await kiosk.next();
  expect(await kiosk.cast()).not.toBe('');
  await kiosk.finish();
});

test('the test ballots are counted in the test election at central, once the polls close', async () => {
  await kiosk.unlockStaff(PIN);
  await expect(marker()).toBeVisible();
  await kiosk.closePolls();
  await expect.poll(async () => (await env.results()).turnout.ballots, { timeout: 30_000 }).toBe(2);
  expect((await env.results()).referendums[0]?.national.counts).toMatchObject({ oui: 1, non: 1 });
});
