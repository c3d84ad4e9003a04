import { expect, test, type Browser, type Page } from '@playwright/test';
import type { VoterCard } from '@scrutin/server/testing';
import { KioskEnvironment, NEIGHBOUR_STATION, PIN, PLURALITY_STATION, RANKED_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk } from '../support/kiosk_pages.ts';

/**
 * Polling day at two stations against the real central server (Postgres, Redis, RabbitMQ):
 * a technician sets each station up, a poll worker opens the polls, voters vote (referendum,
 * single-choice race, ranked race), a card is refused the second time, the central server
 * goes away and voting goes on, it comes back, the stations send, and the results API shows
 * exactly the ballots cast. Every screen is checked with axe and photographed.
 */
test.describe.configure({ mode: 'serial' });

let env: KioskEnvironment;
let plurality: KioskStation;
let ranked: KioskStation;
let a: Kiosk;
let b: Kiosk;
let cardsA: readonly VoterCard[];
let cardsB: readonly VoterCard[];
/** What was cast, to compare with the results. */
const cast = { oui: 0, non: 0, blank: 0, abitibi: 0, montreal: 0 };

/** A printed text with its line breaks and padding as single spaces (reports wrap to the paper's width). */
const words = (text: string) => text.replace(/\s+/g, ' ');

const card = (cards: readonly VoterCard[], i: number): VoterCard => {
  const c = cards[i];
  if (c === undefined) throw new Error(`no card ${i}`);
  return c;
};

async function kioskPage(browser: Browser, url: string, viewport = { width: 1920, height: 1080 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  env = await KioskEnvironment.start([PLURALITY_STATION, RANKED_STATION]);
  // Both stations print to a capture queue of a private CUPS scheduler (the station's own settings).
  plurality = await env.openKiosk(PLURALITY_STATION, { printer: true });
  ranked = await env.openKiosk(RANKED_STATION, { printer: true });
  a = new Kiosk(await kioskPage(browser, plurality.url));
  b = new Kiosk(await kioskPage(browser, ranked.url, { width: 1280, height: 800 }));
  cardsA = env.prepared.stations.find((s) => s.station === PLURALITY_STATION)?.cards ?? [];
  cardsB = env.prepared.stations.find((s) => s.station === RANKED_STATION)?.cards ?? [];
});

test.afterAll(async () => {
  await a.page.context().close();
  await b.page.context().close();
  await env.stop();
});

test('a technician loads the kit, enrols the station and checks the link and the clock', async () => {
  await a.expectHeading('Installation du poste de vote');
  await a.capture('tech-setup');
  const refused = a.page.getByLabel('Dossier de la trousse');
  await refused.fill('/nowhere/kit');
  await a.button('Charger la trousse', 'Load the kit').click();
  await expect(a.page.locator('[role="alert"][data-problem="kit-unreadable"]')).toBeVisible();
  await a.capture('tech-kit-refused');
  await a.loadKit(env.kit(PLURALITY_STATION).kitDir);
  await a.enrol(env.kit(PLURALITY_STATION).token);
  const check = await a.checkConnection();
  await expect(check).toContainText('Serveur central joignable');
  await expect(check).toContainText('Le central reconnaît la clé de ce poste');
  await a.capture('tech-ready');
  await a.finishSetup();
  await a.expectHeading('Le bureau de vote n’est pas encore ouvert');
  await a.capture('polls-not-open');

  // The second station, in English, at 1280 × 800.
  await b.page.getByRole('button', { name: 'Switch to English' }).click();
  await b.expectHeading('Polling station setup');
  await b.loadKit(env.kit(RANKED_STATION).kitDir);
  await b.enrol(env.kit(RANKED_STATION).token);
  await b.capture('tech-ready-en-1280');
  await b.finishSetup();
});

test('a poll worker opens the polls with the PIN', async () => {
  await a.openPinPad();
  await a.capture('staff-pin');
  await a.typePin('111111');
  await expect(a.page.locator('[role="alert"][data-problem="pin-wrong"]')).toContainText('Essais restants\u00a0: 4');
  await a.capture('staff-pin-wrong');
  await a.typePin(PIN);
  await a.expectHeading('Tableau de bord du bureau');
  await expect(a.stat('polls-state')).toHaveText('Pas encore ouvert');
  await a.capture('staff-dashboard-setup');
  // Logic and accuracy before opening: the riding's test deck cast through the ballot box, its
  // tally compared with the expected results, then the station back at zero.
  await a.button('Test de logique et d’exactitude', 'Logic-and-accuracy test').click();
  const testRun = a.page.getByTestId('test-run');
  await expect(testRun).toContainText(/Test réussi\u00a0: les \d+ bulletins de test ont été comptés exactement comme prévu/);
  await expect(testRun).toContainText('Le poste est remis à zéro');
  await expect(a.stat('ballots-cast')).toHaveText('0');
  await a.capture('staff-logic-and-accuracy');
  await a.button('Ouvrir le scrutin', 'Open the polls').click();
  await expect(a.page.getByRole('alertdialog')).toBeVisible();
  await a.capture('staff-confirm-open');
  await a.page.getByRole('alertdialog').getByRole('button', { name: 'Ouvrir le scrutin' }).click();
  await expect(a.stat('polls-state')).toHaveText('Ouvert');
  // The zero report printed silently at opening: the station, every count at zero, reconciled.
  await expect(a.page.getByRole('status').filter({ hasText: 'Le rapport zéro est imprimé (1 copie numérotée)' })).toBeVisible();
  await expect(testRun).toBeHidden();
  const [zero = '', ...others] = env.printed(PLURALITY_STATION);
  expect(others).toEqual([]);
  const zeroText = words(zero);
  expect(zeroText).toContain('RAPPORT ZÉRO ZERO REPORT Copie 1 de 1');
  expect(zeroText).toContain(`Bureau · Station : ${PLURALITY_STATION}`);
  expect(zeroText).toContain('Le rapport concorde. The report reconciles.');
  const counts = [...zero.matchAll(/ \.{2,} (\d+)$/gm)].map((m) => m[1]);
  expect(counts.length).toBeGreaterThan(8);
  expect(new Set(counts)).toEqual(new Set(['0']));
  await a.capture('staff-zero-report-printed');
  await a.lock();
  await a.expectWelcome();
  await a.capture('welcome');

  await b.unlockStaff(PIN);
  await b.openPolls();
  await b.lock();
  await b.expectWelcome();
  await b.capture('welcome-1280');
});

test('voters cast a referendum and a single-choice ballot, on the keypad and on a keyboard', async () => {
  await a.startVoting('fr');
  await a.capture('card');
  // A typo in the NAS is caught before any lookup.
  const first = card(cardsA, 0);
  await a.enterCard({ nas: first.nas.replace(/.$/, (d) => String((Number(d) + 1) % 10)), code: first.code });
  await a.submitCard();
  await expect(a.cardProblem()).toHaveAttribute('data-problem', 'typo');
  await a.capture('card-typo');
  await a.page
    .getByRole('group', { name: /Clavier/ })
    .getByRole('button', { name: 'Tout effacer' })
    .click();
  await a.page
    .getByRole('group', { name: /Clavier/ })
    .getByRole('button', { name: 'Effacer le dernier caractère' })
    .click();
  await a.page
    .getByRole('group', { name: /Clavier/ })
    .getByRole('button', { name: 'Tout effacer' })
    .click();
  await a.enterCard(first);
  await a.capture('card-filled');
  await a.submitCard();
  await a.expectHeading('Référendum L2025-001');
  await a.capture('ballot-referendum');
  await a.answer('Oui');
  await a.next();
  await a.expectHeading('Député·e d’Abitibi-Ouest');
  await a.answer('Hélène Dufresne');
  await a.capture('ballot-plurality');
  expect(await a.fitsWithoutScrolling()).toBe(true);
  await a.next();
  await a.capture('review');
  const receipt = await a.cast();
  expect(receipt).not.toBe('');
  await a.capture('receipt');
  await a.finish();
  cast.oui += 1;
  cast.abitibi += 1;

  // An English voter on a physical keyboard leaves the race blank: the review says so and asks.
  await a.startVoting('en');
  await a.enterCard(card(cardsA, 1), 'keyboard');
  await a.submitCard();
  await a.answer('No');
  await a.next();
  await a.next();
  await expect(a.page.locator('.review__item--blank')).toHaveCount(1);
  await a.capture('review-blank-en');
  await a.button('Cast my ballot', 'Cast my ballot').click();
  await expect(a.page.getByRole('alertdialog')).toContainText('Member for Abitibi-Ouest');
  await a.capture('review-blank-confirm-en');
  await a.page.getByRole('alertdialog').getByRole('button', { name: 'Cast anyway' }).click();
  await a.expectHeading('Your vote is recorded');
  await a.finish();
  cast.non += 1;
  cast.abitibi += 1;
});

test('a voter ranks candidates in order, reorders and removes one', async () => {
  await b.startVoting('en');
  await b.enterCard(card(cardsB, 0));
  await b.capture('card-en-1280');
  await b.submitCard();
  await b.answer('Yes');
  await b.next();
  await b.expectHeading('Member for Montréal-Centre');
  await b.rank('Ruba Haddad');
  await b.rank('David Nguyen');
  await b.rank('Olivier Kaplan');
  await expect(b.page.getByRole('button', { name: 'Ruba Haddad, 1st choice' })).toBeVisible();
  await expect(b.page.getByRole('button', { name: 'Olivier Kaplan, 3rd choice' })).toBeVisible();
  // Olivier Kaplan up one rank, then David Nguyen out: the others move up.
  await b.page.getByRole('button', { name: 'Move Olivier Kaplan up one rank' }).click();
  await expect(b.page.getByRole('button', { name: 'Olivier Kaplan, 2nd choice' })).toBeVisible();
  await b.rank('David Nguyen');
  await expect(b.page.getByRole('button', { name: 'David Nguyen', exact: true })).toHaveAttribute('aria-pressed', 'false');
  await b.rank('Catherine Fournier-Alix');
  await expect(b.page.getByRole('button', { name: 'Catherine Fournier-Alix, 3rd choice' })).toBeVisible();
  await b.capture('ballot-ranked-1280');
  // Six candidates and the ranking fit a 1280 × 800 screen.
  expect(await b.fitsWithoutScrolling()).toBe(true);
  await b.page
    .getByRole('button', { name: 'Switch to French' })
    .or(b.page.getByRole('button', { name: 'Passer en français' }))
    .click();
  await expect(b.page.getByRole('button', { name: 'Ruba Haddad, 1er choix' })).toBeVisible();
  await expect(b.page.getByRole('button', { name: 'Olivier Kaplan, 2e choix' })).toBeVisible();
  await b.capture('ballot-ranked-fr-1280');
  await b.next();
  await expect(b.page.locator('.review__ranking li')).toHaveText([
    /1er choix\s+Ruba Haddad/,
    /2e choix\s+Olivier Kaplan/,
    /3e choix\s+Catherine Fournier-Alix/,
  ]);
  await b.capture('review-ranked-1280');
  await b.cast();
  await b.finish();
  cast.oui += 1;
  cast.montreal += 1;
});

test('switching the language in the middle of the ballot keeps every choice', async () => {
  await a.startVoting('fr');
  await a.enterCard(card(cardsA, 2));
  await a.submitCard();
  await a.answer('Non');
  await a.next();
  await a.answer('Jonathan Roy');
  await a.page.getByRole('button', { name: 'Switch to English' }).click();
  await a.expectHeading('Member for Abitibi-Ouest');
  await expect(a.page.getByRole('radio', { name: /Jonathan Roy/ })).toHaveAttribute('aria-checked', 'true');
  await a.capture('ballot-plurality-en');
  // High contrast and the largest text, still on the same ballot.
  await a.page.getByRole('button', { name: 'High contrast' }).click();
  await a.page.getByRole('button', { name: 'Extra large text' }).click();
  await expect(a.page.locator('html')).toHaveAttribute('data-contrast', 'high');
  await expect(a.page.getByRole('radio', { name: /Jonathan Roy/ })).toHaveAttribute('aria-checked', 'true');
  await a.capture('ballot-plurality-high-contrast-large');
  await a.page.getByRole('button', { name: 'High contrast' }).click();
  await a.page.getByRole('button', { name: 'Normal text' }).click();
  await a.page.getByRole('button', { name: 'Previous' }).click();
  await expect(a.page.getByRole('radio', { name: 'No' })).toHaveAttribute('aria-checked', 'true');
  await a.page.getByRole('button', { name: 'Passer en français' }).click();
  await expect(a.page.getByRole('radio', { name: 'Non' })).toHaveAttribute('aria-checked', 'true');
  await a.next();
  await a.next();
  await a.cast();
  await a.finish();
  cast.non += 1;
  cast.abitibi += 1;
});

test('the same card is refused the second time; a card of another station is sent there', async () => {
  await a.startVoting('fr');
  await a.enterCard(card(cardsA, 0));
  await a.submitCard();
  await expect(a.cardProblem()).toHaveAttribute('data-problem', 'already-voted');
  await a.capture('card-already-voted');
  await a.page
    .getByRole('group', { name: /Clavier/ })
    .getByRole('button', { name: 'Tout effacer' })
    .click();
  await a.page.getByLabel('Numéro d’assurance sociale (NAS)').click();
  await a.page
    .getByRole('group', { name: /Clavier/ })
    .getByRole('button', { name: 'Tout effacer' })
    .click();
  const neighbour = card(env.prepared.credentials.cards(NEIGHBOUR_STATION), 0);
  await a.enterCard(neighbour);
  await a.submitCard();
  await expect(a.cardProblem()).toHaveAttribute('data-problem', 'other-station');
  await expect(a.cardProblem()).toContainText('Abitibi-Ouest — bureau 2');
  await expect(a.cardProblem()).toContainText(NEIGHBOUR_STATION);
  await a.capture('card-other-station');
  await a.page.getByRole('button', { name: 'Annuler' }).click();
  await a.expectWelcome();
});

test('with the central server down, voters still vote; when it returns the stations send what they sealed and keep the anonymity set back', async () => {
  await env.stopCentral();
  for (const i of [3, 4]) {
    await a.startVoting('fr');
    await a.enterCard(card(cardsA, i));
    await a.submitCard();
    await a.answer('Oui');
    await a.next();
    await a.answer('Suzanne Blais-Gagnon');
    await a.next();
    await a.cast();
    await a.finish();
    cast.oui += 1;
    cast.abitibi += 1;
  }
  await a.unlockStaff(PIN);
  await a.button('Envoyer maintenant', 'Send now').click();
  await expect(a.stat('sync-state')).toHaveText(/Hors ligne/);
  await expect(a.stat('pending-sync')).not.toHaveText('0');
  await expect(a.stat('ballots-cast')).toHaveText('5');
  await a.capture('staff-dashboard-offline');
  // Offline, the waiting ballots can go to central on a USB stick too.
  // The USB key is chosen from the list of drives, never typed as a path.
  await a.button('Chercher les clés USB', 'Look for USB keys').click();
  await expect(a.page.getByLabel('Clé USB', { exact: true })).toContainText('usb');
  await a.button('Exporter', 'Export').click();
  // It says exactly how many ballots went on the key (and how many stay held back, if any).
  await expect(a.page.getByTestId('export-done')).toContainText('2 bulletins écrits dans');
  await a.capture('staff-export-usb');

  await env.restartCentral();
  await a.syncNow();
  // While the polls are open a station keeps its last ballots back until enough others join
  // them (the anonymity set, k = 2 here: it seals all but k once 2k wait): of the five, the
  // two sealed while offline go now, and three wait for more voters or the close.
  await expect(a.stat('pending-sync')).toHaveText('3');
  await expect(a.stat('synced-ballots')).toHaveText('2');
  await a.capture('staff-dashboard-synced');
  await a.lock();
  await b.unlockStaff(PIN);
  await b.syncNow();
  const sentByB = Number(await b.stat('synced-ballots').innerText());
  await b.lock();

  // Central counts exactly what the stations sent, and nothing that they hold back.
  await expect.poll(async () => (await env.results()).turnout.ballots, { timeout: 30_000 }).toBe(2 + sentByB);
});

test('a voter who walks away is warned, then everything about them is cleared', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(plurality.url);
  const k = new Kiosk(page);
  await k.expectWelcome();
  const walker = card(cardsA, 5);
  await k.startVoting('fr');
  await k.enterCard(walker);
  await k.submitCard();
  await k.answer('Oui');
  await page.clock.fastForward('01:31');
  await expect(page.getByRole('alertdialog')).toContainText('Êtes-vous toujours là');
  await k.capture('idle-warning');
  await page.clock.fastForward('00:30');
  await k.expectWelcome();
  // Nothing of that voter is left: empty fields, no choice, and the card was never used.
  await k.startVoting('fr');
  await expect(page.getByLabel('Numéro d’assurance sociale (NAS)')).toHaveValue('');
  await expect(page.getByLabel('Code de la carte')).toHaveValue('');
  await k.enterCard(walker);
  await k.submitCard();
  await k.expectHeading('Référendum L2025-001');
  await expect(page.getByRole('radio', { name: 'Oui' })).toHaveAttribute('aria-checked', 'false');
  await k.button('Abandonner', 'Quit').click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Oui, abandonner' }).click();
  await k.expectWelcome();
  await context.close();
});

test('a poll worker closes the polls and shows the closing report; closing sends every ballot held back, and central counts exactly the ballots cast', async () => {
  await b.unlockStaff(PIN);
  await b.closePolls();
  // The printer stops (a paper jam): the closing report is kept, and printed once it resumes.
  env.printerAdmin('cupsdisable', RANKED_STATION);
  await b.button('Afficher le rapport de fermeture', 'Show the closing report').click();
  const report = b.page.getByTestId('closing-report');
  await expect(report).toBeVisible();
  await expect(b.page.getByTestId('report-ballots')).toHaveText(String(cast.montreal));
  // It reconciles: distinct voters checked in = ballots + voters who left; sent + waiting = ballots.
  await expect(b.page.getByTestId('report-checks').getByRole('listitem')).toHaveCount(3);
  await expect(b.page.getByTestId('report-checks')).not.toContainText('NE CONCORDE PAS');
  await expect(report).toContainText('Premiers choix seulement (vote par classement)');
  await expect(report).toContainText('Témoin');
  await b.capture('closing-report-1280');
  await b.button('Fermer le rapport', 'Close the report').click();
  const pending = b.page.getByTestId('printing-pending');
  await expect(pending).toContainText(
    /Le rapport de fermeture \(3 copies\) n’est pas encore imprimé|The closing report \(3 copies\) has not printed yet/,
  );
  await expect(
    b.page.getByRole('status').filter({ hasText: /n’est pas imprimé.*Reprendre l’impression|is not printed.*Resume printing/ }),
  ).toBeVisible();
  await b.capture('staff-printing-pending-1280');
  expect(env.printed(RANKED_STATION)).toHaveLength(1);
  env.printerAdmin('cupsenable', RANKED_STATION);
  await b.button('Reprendre l’impression', 'Resume printing').click();
  await expect(
    b.page.getByRole('status').filter({
      hasText: /Le rapport de fermeture est imprimé \(3 copies numérotées\)|The closing report is printed \(3 numbered copies\)/,
    }),
  ).toBeVisible();
  await expect(pending).toBeHidden();
  await b.capture('staff-printing-resumed-1280');
  const [, closing = '', ...more] = env.printed(RANKED_STATION);
  expect(more).toEqual([]);
  const copies = closing.split('\f').map(words);
  expect(copies.map((page) => /Copie (\d) de 3 · Copy \d of 3/.exec(page)?.[1])).toEqual(['1', '2', '3']);
  for (const page of copies) {
    expect(page).toContain(`Bureau · Station : ${RANKED_STATION}`);
    expect(page).toContain(`bulletins déposés ${cast.montreal}`);
    expect(page).not.toContain('NE CONCORDE PAS');
  }
  await b.syncNow();
  await expect(b.stat('pending-sync')).toHaveText('0');
  await b.lock();
  await b.expectHeading(/Le scrutin est fermé|The polls are closed/);
  await b.capture('polls-closed-1280');

  await a.unlockStaff(PIN);
  await a.closePolls();
  await a.syncNow();
  await expect(a.stat('pending-sync')).toHaveText('0');
  await expect(a.stat('synced-ballots')).toHaveText(String(cast.abitibi));
  await a.lock();

  await expect.poll(async () => (await env.results()).turnout.ballots, { timeout: 30_000 }).toBe(cast.abitibi + cast.montreal);
  const results = await env.results();
  expect(results.referendums[0]?.national.counts).toMatchObject({ oui: cast.oui, non: cast.non, blank: cast.blank });
  const ridings = results.ridings as readonly { riding: string; ballots: number }[];
  expect(ridings.find((r) => r.riding === 'ABITIBI-OUEST')?.ballots).toBe(cast.abitibi);
  expect(ridings.find((r) => r.riding === 'MONTREAL-CENTRE')?.ballots).toBe(cast.montreal);
});
