import { expect, test, type Browser, type Page } from '@playwright/test';
import type { VoterCard } from '@scrutin/server/testing';
import { KioskEnvironment, PIN, PLURALITY_STATION, RANKED_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk, TEXT_SIZES, VoterLayout, type TextSize } from '../support/kiosk_pages.ts';

/**
 * The voter's screens as issue 13 found them, one test per finding: large text that hid
 * candidates in landscape, the portrait layout, the keyboard (radio groups, Tab stops, Enter),
 * touch (60 px targets, remove away from move-down, one keypad layout, a confirmation before
 * clearing a ranking) and the words (French elision, plurals, both languages when the polls
 * are closed). Every voter screen is checked and photographed in both orientations of a
 * 1080p kiosk at each of the four text sizes.
 */
test.describe.configure({ mode: 'serial' });

const LANDSCAPE = { width: 1920, height: 1080 } as const;
const PORTRAIT = { width: 1080, height: 1920 } as const;
const either = (fr: string, en: string) => new RegExp(`^\\s*(${fr}|${en})`, 'i');
const ORIENTATIONS = [
  ['landscape', LANDSCAPE],
  ['portrait', PORTRAIT],
] as const;

let env: KioskEnvironment;
let plurality: KioskStation;
let ranked: KioskStation;
let a: Kiosk;
let b: Kiosk;
let cardsA: readonly VoterCard[];
let cardsB: readonly VoterCard[];
let nextA = 0;
let nextB = 0;

const cardOf = (cards: readonly VoterCard[], i: number): VoterCard => {
  const c = cards[i];
  if (c === undefined) throw new Error(`no card ${i}`);
  return c;
};

async function kioskPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: LANDSCAPE });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function setUp(kiosk: Kiosk, station: KioskStation): Promise<void> {
  await kiosk.loadKit(env.kit(station.id).kitDir);
  await kiosk.enrol(env.kit(station.id).token);
  await kiosk.finishSetup();
  await kiosk.unlockStaff(PIN);
  await kiosk.openPolls();
  await kiosk.lock();
  await kiosk.expectWelcome();
}

/** Checks a voter screen the way issue 13 asks, then photographs it. */
async function check(kiosk: Kiosk, name: string): Promise<void> {
  const layout = new VoterLayout(kiosk);
  await layout.expectTouchTargets(name);
  await layout.expectHeadingAndToolbarFit(name);
  await kiosk.capture(name);
}

/** Photographs the screen in high contrast and light on dark, then goes back to the standard theme. */
async function themes(kiosk: Kiosk, name: string): Promise<void> {
  await kiosk.page.getByRole('button', { name: either('Contraste élevé', 'High contrast') }).click();
  await expect(kiosk.page.locator('html')).toHaveAttribute('data-contrast', 'high');
  await check(kiosk, `${name}-high`);
  await kiosk.page.getByRole('button', { name: either('Clair sur foncé', 'Light on dark') }).click();
  await expect(kiosk.page.locator('html')).toHaveAttribute('data-contrast', 'dark');
  await check(kiosk, `${name}-dark`);
  await kiosk.page.getByRole('button', { name: either('Clair sur foncé', 'Light on dark') }).click();
  await expect(kiosk.page.locator('html')).toHaveAttribute('data-contrast', 'normal');
}

/** From the welcome screen to the first contest, at a text size chosen on the welcome screen. */
async function startBallot(kiosk: Kiosk, card: VoterCard, size: TextSize, tag: string): Promise<void> {
  const layout = new VoterLayout(kiosk);
  await kiosk.expectWelcome();
  await layout.setTextSize(size);
  await layout.expectWelcomeWhole(`welcome-${tag}`);
  await check(kiosk, `welcome-${tag}`);
  await kiosk.startVoting('fr');
  await layout.expectCardReachable(`card-${tag}`);
  await check(kiosk, `card-${tag}`);
  await kiosk.enterCard(card, 'keyboard');
  // Typed as seen: the code field came into view once the NAS was whole.
  await layout.expectCardReachable(`card-filled-${tag}`);
  await check(kiosk, `card-filled-${tag}`);
  await kiosk.submitCard();
  await kiosk.expectHeading('Référendum L2025-001');
}

/** Goes on from a ballot screen, as a voter does: what is below the fold is seen first. */
async function goOn(kiosk: Kiosk): Promise<void> {
  await new VoterLayout(kiosk).scrollToEnd();
  await kiosk.next();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  env = await KioskEnvironment.start([PLURALITY_STATION, RANKED_STATION]);
  plurality = await env.openKiosk(PLURALITY_STATION);
  ranked = await env.openKiosk(RANKED_STATION);
  a = new Kiosk(await kioskPage(browser, plurality.url));
  b = new Kiosk(await kioskPage(browser, ranked.url));
  cardsA = env.prepared.stations.find((s) => s.station === PLURALITY_STATION)?.cards ?? [];
  cardsB = env.prepared.stations.find((s) => s.station === RANKED_STATION)?.cards ?? [];
  await setUp(a, plurality);
  await setUp(b, ranked);
});

test.afterAll(async () => {
  await a.page.context().close();
  await b.page.context().close();
  await env.stop();
});

for (const [orientation, viewport] of ORIENTATIONS) {
  test(`every voter screen holds at ${viewport.width}×${viewport.height} at each text size, every option reachable`, async () => {
    test.setTimeout(360_000);
    await a.page.setViewportSize(viewport);
    await b.page.setViewportSize(viewport);
    for (const size of TEXT_SIZES) {
      const tag = `${orientation}-size${size}`;
      // A referendum and a single-choice race, cast.
      await startBallot(a, cardOf(cardsA, nextA++), size, tag);
      const layoutA = new VoterLayout(a);
      await layoutA.expectEveryOptionReachable(`ballot-referendum-${tag}`);
      await check(a, `ballot-referendum-${tag}`);
      await a.answer('Oui');
      await goOn(a);
      await a.expectHeading('Député·e d’Abitibi-Ouest');
      await layoutA.expectEveryOptionReachable(`ballot-plurality-${tag}`);
      await check(a, `ballot-plurality-${tag}`);
      await a.answer('Hélène Dufresne');
      await goOn(a);
      await layoutA.expectScrollCueWhenHidden(`review-${tag}`);
      await check(a, `review-${tag}`);
      await a.cast();
      await check(a, `receipt-${tag}`);
      // The receipt code on one line, within its card: broken at a dash, it is easy to copy wrong.
      const code = await a.page.getByTestId('receipt-code').evaluate((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return { lines: range.getClientRects().length, fits: e.scrollWidth <= e.clientWidth + 1 };
      });
      expect(code, `receipt code at ${tag}`).toEqual({ lines: 1, fits: true });
      // And the way out wholly on screen as it opens.
      const finish = await a.page
        .getByRole('button', { name: either('Terminer', 'Finish') })
        .evaluate((e) => e.getBoundingClientRect().bottom <= window.innerHeight + 1);
      expect(finish, `Finish on screen at ${tag}`).toBe(true);
      await a.finish();

      // A referendum and a ranked race, cast.
      await startBallot(b, cardOf(cardsB, nextB++), size, `ranked-${tag}`);
      await b.answer('Non');
      await goOn(b);
      const layoutB = new VoterLayout(b);
      await layoutB.expectEveryOptionReachable(`ballot-ranked-${tag}`);
      await check(b, `ballot-ranked-empty-${tag}`);
      const candidates = b.page.locator('main .options--ranked button');
      for (const i of [2, 0, 4]) {
        await candidates.nth(i).scrollIntoViewIfNeeded();
        await candidates.nth(i).click();
      }
      await check(b, `ballot-ranked-${tag}`);
      await goOn(b);
      await layoutB.expectScrollCueWhenHidden(`review-ranked-${tag}`);
      await check(b, `review-ranked-${tag}`);
      await b.cast();
      await b.finish();
    }
    await new VoterLayout(a).setTextSize(0);
    await new VoterLayout(b).setTextSize(0);
  });
}

test('the welcome screen whole on a smaller 1280 × 800 kiosk at each text size: the language choice, secrecy and help on screen', async () => {
  await a.page.setViewportSize({ width: 1280, height: 800 });
  const layout = new VoterLayout(a);
  await a.expectWelcome();
  for (const size of TEXT_SIZES) {
    await layout.setTextSize(size);
    await layout.expectWelcomeWhole(`welcome-1280-size${size}`);
    await check(a, `welcome-1280-size${size}`);
  }
  await layout.setTextSize(0);
  await a.page.setViewportSize(LANDSCAPE);
});

test('large text in landscape: the voter is told there are more candidates, and sees them all before the review', async () => {
  await a.page.setViewportSize(LANDSCAPE);
  const layout = new VoterLayout(a);
  await startBallot(a, cardOf(cardsA, nextA++), 3, 'landscape-size3-cue');
  await a.answer('Oui');
  await goOn(a);
  await a.expectHeading('Député·e d’Abitibi-Ouest');
  await a.page.locator('main.screen').evaluate((m) => {
    m.scrollTop = 0;
  });
  expect(await layout.hidesSomething(), 'six candidates at the largest size do not all fit 1920 × 1080').toBe(true);
  await expect(layout.scrollCue()).toBeVisible();
  await expect(layout.scrollCue()).toContainText('D’autres choix plus bas');
  // "Review my ballot" does not skip the candidates below: it shows them. Touched where it is,
  // as a finger does (a Playwright click would scroll the screen to its end first).
  await a.tapInPlace(a.button('Vérifier mon bulletin', 'Review my ballot'));
  await a.expectHeading('Député·e d’Abitibi-Ouest');
  await expect.poll(() => a.page.locator('main.screen').evaluate((m) => m.scrollTop)).toBeGreaterThan(0);
  await layout.scrollToEnd();
  // Photographed once seen (axe scrolls the screen as it checks); both contrast themes hold the same layout.
  await a.capture('ballot-plurality-landscape-size3-cue');
  await themes(a, 'ballot-plurality-landscape-size3');
  await a.answer('Hélène Dufresne');
  await a.button('Vérifier mon bulletin', 'Review my ballot').click();
  await a.expectHeading('Vérifiez votre bulletin');
  await a.cast();
  await a.finish();
});

test('large text in landscape: the review screen says the rest of the ballot is further down', async () => {
  await b.page.setViewportSize(LANDSCAPE);
  const layout = new VoterLayout(b);
  await startBallot(b, cardOf(cardsB, nextB++), 3, 'landscape-size3-review-cue');
  await b.answer('Non');
  await goOn(b);
  const candidates = b.page.locator('main .options--ranked button');
  for (const i of [2, 0, 4]) {
    await candidates.nth(i).scrollIntoViewIfNeeded();
    await candidates.nth(i).click();
  }
  await goOn(b);
  await b.expectHeading('Vérifiez votre bulletin');
  await b.page.locator('main.screen').evaluate((m) => {
    m.scrollTop = 0;
  });
  expect(await layout.hidesSomething(), 'a referendum and a ranking of three at the largest size do not fit 1920 × 1080').toBe(true);
  await expect(layout.scrollCue()).toBeVisible();
  await expect(layout.scrollCue()).toContainText('La suite de vos choix plus bas');
  // The cue sits above the way forward, never over "Cast my ballot".
  const cue = await layout.scrollCue().boundingBox();
  const cast = await b.button('Déposer mon bulletin', 'Cast my ballot').boundingBox();
  if (cue === null || cast === null) throw new Error('no cue or cast button');
  expect(cue.y + cue.height).toBeLessThanOrEqual(cast.y);
  // Touching it scrolls; once the end is seen, it goes.
  await b.tapInPlace(layout.scrollCue());
  await expect.poll(() => b.page.locator('main.screen').evaluate((m) => m.scrollTop)).toBeGreaterThan(0);
  await layout.scrollToEnd();
  await b.capture('review-ranked-landscape-size3-end');
  // Back at the top it shows again; photographed (axe scrolls the screen as it checks, so last).
  await b.page.locator('main.screen').evaluate((m) => {
    m.scrollTop = 0;
  });
  await expect(layout.scrollCue()).toBeVisible();
  await b.capture('review-ranked-landscape-size3-cue');
  await b.cast();
  await b.finish();
  await layout.setTextSize(0);
});

test('portrait 1080 × 1920: the ballot fills the screen and the staff pill leaves the title alone', async () => {
  await a.page.setViewportSize(PORTRAIT);
  const layout = new VoterLayout(a);
  await startBallot(a, cardOf(cardsA, nextA++), 0, 'portrait-fill');
  await a.answer('Oui');
  await a.next();
  await a.expectHeading('Député·e d’Abitibi-Ouest');
  // The six candidates reach past the middle of the screen, not crowded into its top third.
  const lastBottom = await a.page
    .locator('main .options [role="radio"]')
    .last()
    .evaluate((e) => e.getBoundingClientRect().bottom);
  expect(lastBottom / PORTRAIT.height).toBeGreaterThan(0.5);
  await check(a, 'ballot-plurality-portrait-fill');
  await themes(a, 'ballot-plurality-portrait');
  await a.button('Précédent', 'Previous').click();
  await a.button('Abandonner', 'Cancel').click();
  await a.page.getByRole('alertdialog').getByRole('button', { name: 'Oui, abandonner' }).click();
  await a.expectWelcome();
  for (const size of TEXT_SIZES) {
    await layout.setTextSize(size);
    await a.openPinPad();
    await layout.expectHeadingAndToolbarFit(`staff-pin-portrait-size${size}`);
    await a.capture(`staff-pin-portrait-size${size}`);
    await a.button('Annuler', 'Cancel').click();
    await a.expectWelcome();
  }
  await layout.setTextSize(0);
  await a.page.setViewportSize(LANDSCAPE);
});

test('keyboard: arrow keys move through the radio groups, Continue is a few Tab stops away and Enter goes on', async () => {
  await a.page.setViewportSize(LANDSCAPE);
  await a.startVoting('fr');
  await a.enterCard(cardOf(cardsA, nextA++), 'keyboard');
  // From the heading, Continue is reached in a handful of Tab stops (the keypad is one).
  await a.heading().focus();
  let stops = 0;
  for (; stops < 40; stops++) {
    const label = await a.page.evaluate(() => document.activeElement?.textContent.trim() ?? '');
    if (label.startsWith('Continuer')) break;
    await a.page.keyboard.press('Tab');
  }
  expect(stops, 'Tab stops from the heading to Continue').toBeLessThanOrEqual(12);
  // Enter on the card screen (focus anywhere but a button) sends the card.
  await a.heading().focus();
  await a.page.keyboard.press('Enter');
  await a.expectHeading('Référendum L2025-001');

  const oui = a.page.getByRole('radio', { name: 'Oui' });
  const non = a.page.getByRole('radio', { name: 'Non' });
  // One Tab stop for the group.
  await expect(a.page.locator('[role="radio"][tabindex="0"]')).toHaveCount(1);
  await oui.focus();
  await a.page.keyboard.press('ArrowRight');
  await expect(non).toBeFocused();
  await expect(non).toHaveAttribute('aria-checked', 'true');
  await a.page.keyboard.press('ArrowDown');
  await expect(oui).toBeFocused();
  await expect(oui).toHaveAttribute('aria-checked', 'true');
  await expect(non).toHaveAttribute('aria-checked', 'false');
  await expect(oui).toHaveAttribute('tabindex', '0');
  await expect(non).toHaveAttribute('tabindex', '-1');
  await a.next();
  await a.expectHeading('Député·e d’Abitibi-Ouest');
  const radios = a.page.getByRole('radio');
  await radios.first().focus();
  await a.page.keyboard.press('ArrowDown');
  await a.page.keyboard.press('ArrowDown');
  await expect(radios.nth(2)).toBeFocused();
  await expect(radios.nth(2)).toHaveAttribute('aria-checked', 'true');
  await a.page.keyboard.press('End');
  await expect(radios.last()).toHaveAttribute('aria-checked', 'true');
  await a.page.keyboard.press('ArrowDown');
  await expect(radios.first()).toHaveAttribute('aria-checked', 'true');
  await a.capture('keyboard-plurality');
  await a.button('Précédent', 'Previous').click();
  await a.button('Abandonner', 'Cancel').click();
  await a.page.getByRole('alertdialog').getByRole('button', { name: 'Oui, abandonner' }).click();
  await a.expectWelcome();
});

test('touch: 60 px targets (poll workers too), remove away from move-down, one keypad, clearing a ranking asks', async () => {
  await a.page.setViewportSize(LANDSCAPE);
  const layoutA = new VoterLayout(a);
  await a.openPinPad();
  await layoutA.expectTouchTargets('staff-pin');
  await a.button('Annuler', 'Cancel').click();
  await a.expectWelcome();

  // The keypad keeps its keys where they are from the NAS to the code.
  await a.startVoting('fr');
  const keypad = a.page.getByRole('group', { name: /Clavier/ });
  const where = async () =>
    keypad.evaluate((pad) =>
      Array.from(pad.querySelectorAll('button')).map(
        (k) => `${k.textContent}@${Math.round(k.getBoundingClientRect().x)},${Math.round(k.getBoundingClientRect().y)}`,
      ),
    );
  const onNas = await where();
  await expect(keypad.getByRole('button', { name: 'A', exact: true })).toBeDisabled();
  await a.page.getByLabel('Code de la carte').focus();
  await expect(keypad.getByRole('button', { name: 'A', exact: true })).toBeEnabled();
  expect(await where()).toEqual(onNas);
  await a.button('Annuler', 'Cancel').click();
  await a.expectWelcome();

  await b.page.setViewportSize(LANDSCAPE);
  await startBallot(b, cardOf(cardsB, nextB++), 0, 'touch');
  await b.answer('Oui');
  await b.next();
  const candidates = b.page.locator('main .options--ranked button');
  for (const i of [1, 3, 0]) await candidates.nth(i).click();
  const item = b.page.locator('.ranking-list__item').nth(1);
  const remove = await item.getByRole('button', { name: /^Retirer/ }).boundingBox();
  const down = await item.getByRole('button', { name: /^Descendre/ }).boundingBox();
  if (remove === null || down === null) throw new Error('no remove or move-down button');
  const gap = Math.max(down.x - (remove.x + remove.width), remove.x - (down.x + down.width));
  expect(gap, 'px between remove (✕) and move-down (▼)').toBeGreaterThanOrEqual(60);
  await b.capture('ballot-ranked-touch');

  await b.button('Effacer le classement', 'Clear the ranking').click();
  const dialog = b.page.getByRole('alertdialog');
  await expect(dialog).toContainText('Effacer tout le classement\u202f?');
  await expect(dialog).toContainText('Les 3 personnes classées seront retirées');
  await b.capture('ballot-ranked-clear-confirm');
  await dialog.getByRole('button', { name: 'Non, garder mon classement' }).click();
  await expect(b.page.locator('.ranking-list__item')).toHaveCount(3);
  await b.button('Effacer le classement', 'Clear the ranking').click();
  await b.page.getByRole('alertdialog').getByRole('button', { name: 'Oui, tout effacer' }).click();
  await expect(b.page.locator('.ranking-list__item')).toHaveCount(0);
  await b.button('Précédent', 'Previous').click();
  await b.button('Abandonner', 'Cancel').click();
  await b.page.getByRole('alertdialog').getByRole('button', { name: 'Oui, abandonner' }).click();
  await b.expectWelcome();
});

test('the poll worker’s dashboard holds in both orientations at each text size', async () => {
  const layout = new VoterLayout(a);
  await a.page.setViewportSize(LANDSCAPE);
  await a.unlockStaff(PIN);
  for (const [orientation, viewport] of ORIENTATIONS) {
    await a.page.setViewportSize(viewport);
    for (const size of TEXT_SIZES) {
      await layout.setTextSize(size);
      await layout.expectHeadingAndToolbarFit(`staff-dashboard-${orientation}-size${size}`);
      // Each count and state stays inside its tile.
      const spilling = await a.page
        .locator('.stat')
        .evaluateAll((tiles) => tiles.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.textContent.trim()));
      expect(spilling, `dashboard tiles on staff-dashboard-${orientation}-size${size}`).toEqual([]);
      await a.capture(`staff-dashboard-${orientation}-size${size}`);
    }
  }
  await layout.setTextSize(0);
  await a.page.setViewportSize(LANDSCAPE);
  await a.lock();
  await a.expectWelcome();
});

test('words: French elision, plurals and the polls-closed screen in both languages, at every size and orientation', async () => {
  await a.page.setViewportSize(LANDSCAPE);
  await a.unlockStaff(PIN);
  await a.closePolls();
  await a.button('Afficher le rapport de fermeture', 'Show the closing report').click();
  const report = a.page.locator('main');
  await expect(report).toContainText(/\d+ bulletin/);
  await expect(report).not.toContainText('bulletin(s)');
  const reportLayout = new VoterLayout(a);
  for (const [orientation, viewport] of ORIENTATIONS) {
    await a.page.setViewportSize(viewport);
    for (const size of TEXT_SIZES) {
      await reportLayout.setTextSize(size);
      await reportLayout.expectHeadingAndToolbarFit(`closing-report-${orientation}-size${size}`);
      // Each value of the report is readable beside its label: not squeezed to a sliver, not off the screen.
      const squeezed = await a.page
        .getByTestId('closing-report')
        .locator('dd')
        .evaluateAll((dds) =>
          dds
            .map((d) => ({ text: d.textContent.trim(), box: d.getBoundingClientRect() }))
            .filter(({ text, box }) => text !== '' && (box.width < 120 || box.right > window.innerWidth + 1))
            .map(({ text, box }) => `${text.slice(0, 30)} ${Math.round(box.width)} px wide`),
        );
      expect(squeezed, `report values on closing-report-${orientation}-size${size}`).toEqual([]);
      await a.capture(`closing-report-${orientation}-size${size}`);
    }
  }
  await reportLayout.setTextSize(0);
  await a.page.setViewportSize(LANDSCAPE);
  await a.button('Fermer le rapport', 'Close the report').click();
  await a.lock();
  await a.expectHeading('Le scrutin est fermé');
  const other = a.page.getByTestId('polls-other-language');
  await expect(other).toHaveAttribute('lang', 'en');
  await expect(other).toContainText('The polls are closed');
  await expect(other).toContainText('Voting has ended');
  const layout = new VoterLayout(a);
  for (const [orientation, viewport] of ORIENTATIONS) {
    await a.page.setViewportSize(viewport);
    for (const size of TEXT_SIZES) {
      await layout.setTextSize(size);
      await check(a, `polls-closed-${orientation}-size${size}`);
    }
  }
  await layout.setTextSize(0);
  // The kiosk switched to English keeps French on screen for the next person.
  await a.page.getByRole('button', { name: 'Switch to English' }).click();
  await a.expectHeading('The polls are closed');
  await expect(other).toHaveAttribute('lang', 'fr');
  await expect(other).toContainText('Le scrutin est fermé');
});
