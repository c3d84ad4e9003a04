import { expect, test } from '@playwright/test';
import { sampleElection } from '@scrutin/shared/node';
import { ConsoleApp } from '../support/console_pages.ts';
import { startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * Issue 13's console findings, each as it would have been caught: certifying a count with
 * stations still open, a 2–2 IRV final round told as a majority, "complete" meaning only
 * "sent something", a station's closed polls never shown, "live" after certification, API
 * refusals in English in the French console, and the top bar overflowing at 768 px. Two
 * stations close their polls (one final batch each); the other sixteen never report.
 */

test.describe.configure({ mode: 'serial' });
test.use({ reducedMotion: 'reduce', viewport: { width: 1600, height: 1000 } });

let central: ConsoleCentral;
const sample = sampleElection();
const ELECTION = sample.id;
const stationOf = (riding: string) => {
  const station = sample.stations.find((s) => s.riding === riding)?.id;
  if (station === undefined) throw new Error(`no station in ${riding}`);
  return station;
};
/** Sherbrooke, ranked: two ballots QS > PQ and two PQ > QS, so the last round is 2–2 against a threshold of 3. */
const SHERBROOKE = stationOf('SHERBROOKE');
/** Abitibi-Ouest, single choice: CAQ 2, PLQ 1, PQ 1: CAQ leads without an absolute majority (threshold 3). */
const ABITIBI = stationOf('ABITIBI-OUEST');

test.beforeAll(async () => {
  central = await startConsoleCentral();
  // Picks per ballot, in ballot order: the referendum (0: oui), then the race's choices.
  await central.command(`close-station ${SHERBROOKE} 0,3,2;0,3,2;0,2,2;0,2,2`);
  await central.command(`close-station ${ABITIBI} 0,0;0,0;0,1;0,2`);
});

test.afterAll(async () => {
  await central.stop();
});

/** The riding page (`/console/riding?election=…&riding=…`). */
async function openRiding(app: ConsoleApp, riding: string): Promise<void> {
  await app.page.goto(`${central.url}/console/riding?election=${encodeURIComponent(ELECTION)}&riding=${riding}`);
  await expect(app.testId('riding')).toBeVisible();
}

test('a station that closed its polls shows as closed; results count stations reporting and closed, not "complete" on a first batch', async ({
  page,
}) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);

  await app.open('stations', ELECTION);
  await expect(app.testId('stat-closed')).toContainText('2 / 18');
  const closedRow = app.testId('stations-table').getByRole('row').filter({ hasText: SHERBROOKE });
  await expect(closedRow.locator('[data-condition]')).toHaveAttribute('data-condition', 'closed');
  await expect(closedRow).toContainText('Fermé · compté');
  await app.expectAccessible();
  await app.screenshot('stations-closed');

  await app.open('overview', ELECTION);
  await expect(app.testId('kpi-stations')).toContainText('2 / 18');
  await expect(app.testId('kpi-stations')).toContainText('2 sur 18 fermés et comptés');
  // No riding has all its stations closed: none is complete, though two have reported.
  await expect(app.testId('kpi-ridings')).toContainText('2 / 6');
  await expect(app.testId('kpi-ridings')).toContainText('0 complète');
  await expect(app.testId('live-indicator')).toContainText('En direct');
});

test('an IRV 2–2 final round is told as a tie broken by the tie-break, a plurality win as no absolute majority', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);

  await openRiding(app, 'SHERBROOKE');
  const decision = app.testId('riding-decision');
  await expect(decision).toHaveAttribute('data-decision', 'tie-broken');
  await expect(decision).toContainText('Égalité entre');
  await expect(decision).toContainText('à 2 votes chacun·e');
  await expect(decision).not.toContainText('majorité');
  await expect(app.testId('irv-decisions')).not.toContainText('majorité');
  await expect(app.testId('irv-decisions')).toContainText('l’emporte au départage');
  await expect(app.testId('riding-stations')).toContainText('1 sur 3 fermé et compté');
  await expect(app.testId('riding-stations')).toContainText('Des bureaux ne sont pas encore fermés et comptés');
  await app.expectAccessible();
  await app.screenshot('riding-irv-tie');

  await openRiding(app, 'ABITIBI-OUEST');
  await expect(app.testId('riding-decision')).toHaveAttribute('data-decision', 'plurality');
  await expect(app.testId('riding-decision')).toContainText('sans majorité absolue');
  await expect(app.testId('riding-decision')).toContainText('2 votes sur 4, seuil de 3 non atteint');
  await app.screenshot('riding-plurality');
});

test('certification is refused in French while stations are open, then certified by an override whose reason shows on the results', async ({
  page,
}) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.admin);
  await app.open('definition', ELECTION);
  const row = page.locator(`tr[data-election="${ELECTION}"]`);
  await row.getByTestId('to-closed').click();
  await row.getByTestId('confirm-closed').click();
  await expect(row.getByTestId('election-state')).toHaveText('Scrutin fermé');

  await app.open('overview', ELECTION);
  await expect(app.testId('count-incomplete')).toContainText('2 bureaux sur 18 sont fermés et comptés');

  await app.open('definition', ELECTION);
  await row.getByTestId('to-certified').click();
  await row.getByTestId('confirm-certified').click();
  const failure = app.testId('failure');
  await expect(failure).toHaveAttribute('data-code', 'batches-pending');
  await expect(failure.locator('strong')).toHaveText('Certification refusée\u00a0: des bureaux ne sont pas fermés et comptés.');
  const override = app.testId('override');
  await expect(override).toContainText('16 bureaux ne sont pas fermés et comptés');
  await expect(override).toContainText('n’a rien transmis');
  await expect(row.getByTestId('election-state')).toHaveText('Scrutin fermé');
  await app.expectAccessible();
  await app.screenshot('certification-refused');

  const reason = 'Bureaux de test jamais ouverts : dépouillement limité aux deux bureaux fermés.';
  await override.getByRole('textbox').fill(reason);
  await override.getByRole('button', { name: 'Certifier malgré tout' }).click();
  await expect(row.getByTestId('election-state')).toHaveText('Certifiée');

  await app.open('overview', ELECTION);
  await expect(app.testId('certification-override')).toContainText('Certifiée par dérogation');
  await expect(app.testId('certification-override')).toContainText('16 bureaux n’étaient pas fermés et comptés');
  await expect(app.testId('certification-override')).toContainText(reason);
  await expect(app.testId('live-indicator')).toHaveText('Résultats définitifs');
  await app.expectAccessible();
  await app.screenshot('overview-certified-override');

  await openRiding(app, 'ABITIBI-OUEST');
  await expect(app.testId('certification-override')).toContainText(reason);
  await expect(app.testId('riding')).toContainText(
    'Certifié par dérogation\u00a0: des bureaux de la circonscription n’étaient pas fermés et comptés.',
  );
  await expect(app.testId('riding')).not.toContainText('Résultat certifié.');
  await app.screenshot('riding-certified-override');

  // The audit log records the override with its reason.
  await app.open('audit', ELECTION);
  const overrideEntry = page
    .getByTestId('audit-log')
    .getByRole('row')
    .filter({ has: page.locator('[data-action="election.certified_with_override"]') });
  await expect(overrideEntry).toContainText('Certification par dérogation');
  await expect(overrideEntry).toContainText(reason);
  await expect(page.getByTestId('audit-log')).not.toContainText('{"');
  await app.screenshot('audit-override');
});

test('at 768 px the top bar and the pages fit the width', async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.admin);
  for (const path of ['overview', 'ridings', 'stations', 'definition', 'audit']) {
    await app.open(path, ELECTION);
    await expect(page.locator('.topbar')).toBeVisible();
    const overflow = await page.evaluate(() => {
      const bar = document.querySelector('.topbar');
      return {
        bar: bar === null ? 0 : bar.scrollWidth - bar.clientWidth,
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    expect(overflow, path).toEqual({ bar: 0, page: 0 });
  }
  await app.open('overview', ELECTION);
  await app.screenshot('overview-768');
});
