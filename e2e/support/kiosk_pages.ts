import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import type { VoterCard } from '@scrutin/server/testing';

/** The first poll worker of the e2e kits (kiosk_env.ts POLL_WORKERS), who signs in unless a test names another. */
const FIRST_WORKER = { name: 'Amélie Tremblay', pin: '482915' } as const;

/**
 * Page objects of the kiosk: what a technician, a poll worker and a voter do, in their words.
 * Waits are on what the screen shows, never on time. `capture` checks the screen with axe
 * (no serious or critical violation) and saves a screenshot for people to look at.
 */
export const SCREENSHOTS = join(import.meta.dirname, '..', 'artifacts', 'screenshots');

const either = (fr: string, en: string) => new RegExp(`^\\s*(${fr}|${en})`, 'i');

export class Kiosk {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  heading(): Locator {
    return this.page.locator('main h1');
  }

  async expectHeading(text: string | RegExp): Promise<void> {
    await expect(this.heading()).toHaveText(text);
  }

  button(fr: string, en: string): Locator {
    return this.page.getByRole('button', { name: either(fr, en) });
  }

  /**
   * Touches a control where it is on screen, as a finger does. Playwright's click first scrolls
   * its target "into view", and for a control of the sticky bar at the bottom of a screen that
   * means scrolling the screen to its end: the voter would have been shown what lies below.
   */
  async tapInPlace(target: Locator): Promise<void> {
    await expect(target).toBeInViewport();
    const box = await target.boundingBox();
    if (box === null) throw new Error('the control has no box on screen');
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  }

  /**
   * Checks the screen, then photographs it: axe (no serious or critical violation), every
   * visible control at least 48 × 48 px, and the page itself never scrolls (a screen scrolls
   * inside itself, with its way forward still in view).
   */
  async capture(name: string): Promise<void> {
    const results = await new AxeBuilder({ page: this.page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      `axe on ${name}`,
    ).toEqual([]);
    const small = await this.page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('button, input, [role="radio"]'))
        .filter((e) => e.offsetParent !== null)
        .map((e) => ({ e, box: e.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 47.5 || box.height < 47.5)
        .map(({ e, box }) => `${e.textContent.trim() || e.id} ${Math.round(box.width)}×${Math.round(box.height)}`),
    );
    expect(small, `touch targets under 48 px on ${name}`).toEqual([]);
    const pageScrolls = await this.page.evaluate(
      () => document.documentElement.scrollHeight > window.innerHeight + 1 || document.documentElement.scrollWidth > window.innerWidth + 1,
    );
    expect(pageScrolls, `the page itself scrolls on ${name}`).toBe(false);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: join(SCREENSHOTS, `kiosk-${name}.png`) });
  }

  // ---- Technician --------------------------------------------------------------------

  async loadKit(path: string): Promise<void> {
    await this.page.getByLabel(either('Dossier de la trousse', 'Kit folder')).fill(path);
    await this.button('Charger la trousse', 'Load the kit').click();
    await expect(this.page.getByRole('status').filter({ hasText: either('Trousse chargée', 'Kit loaded') })).toBeVisible();
  }

  /** Enrolling takes a poll worker's name and PIN (issue 12); the first worker of the e2e kits by default. */
  async enrol(token: string, worker = FIRST_WORKER.name, pin = FIRST_WORKER.pin): Promise<void> {
    await this.page.getByLabel(either('Membre du personnel présent', 'Poll worker present')).selectOption(worker);
    await this.page.getByLabel(either('Son NIP', 'Their PIN')).fill(pin);
    await this.page.getByLabel(either('Jeton d’inscription', 'Enrolment token')).fill(token);
    await this.button('Inscrire le poste', 'Enrol the station').click();
    await expect(this.page.getByRole('status').filter({ hasText: either('Poste inscrit', 'Station enrolled') })).toBeVisible();
  }

  async checkConnection(): Promise<Locator> {
    await this.button('Vérifier la liaison', 'Check the link').first().click();
    const check = this.page.getByTestId('connection-check');
    await expect(check).toBeVisible();
    return check;
  }

  async finishSetup(): Promise<void> {
    await this.button('Terminer l’installation', 'Finish the setup').click();
  }

  // ---- Poll workers --------------------------------------------------------------------

  async openPinPad(): Promise<void> {
    await this.page.getByRole('button', { name: either('Accès réservé au personnel', 'For polling station staff') }).click();
    await this.expectHeading(either('NIP du personnel', 'Staff PIN'));
  }

  /** Chooses who is signing in (the kit's list), then types the PIN. */
  async typePin(pin: string, worker = FIRST_WORKER.name): Promise<void> {
    await this.page.getByRole('radio', { name: worker }).check();
    for (const digit of pin)
      await this.page
        .getByRole('group', { name: either('NIP', 'PIN') })
        .getByRole('button', { name: digit, exact: true })
        .click();
    await this.button('Déverrouiller', 'Unlock').click();
  }

  async unlockStaff(pin: string, worker = FIRST_WORKER.name): Promise<void> {
    await this.openPinPad();
    await this.typePin(pin, worker);
    await this.expectHeading(either('Tableau de bord du bureau', 'Polling station dashboard'));
  }

  async openPolls(): Promise<void> {
    await this.button('Ouvrir le scrutin', 'Open the polls').click();
    await expect(this.page.getByRole('alertdialog')).toBeVisible();
    await this.page
      .getByRole('alertdialog')
      .getByRole('button', { name: either('Ouvrir le scrutin', 'Open the polls') })
      .click();
    await expect(this.page.getByTestId('polls-state')).toHaveText(either('Ouvert', 'Open'));
  }

  async closePolls(): Promise<void> {
    await this.button('Fermer le scrutin', 'Close the polls').click();
    await this.page
      .getByRole('alertdialog')
      .getByRole('button', { name: either('Fermer le scrutin', 'Close the polls') })
      .click();
    await expect(this.page.getByTestId('polls-state')).toHaveText(either('Fermé', 'Closed'));
  }

  async syncNow(): Promise<void> {
    await this.button('Envoyer maintenant', 'Send now').click();
    await expect(this.page.getByRole('status').filter({ hasText: either('Envoi fait', 'Sent:') })).toBeVisible();
  }

  stat(testId: 'ballots-cast' | 'pending-sync' | 'synced-ballots' | 'sync-state' | 'polls-state'): Locator {
    return this.page.getByTestId(testId);
  }

  async lock(): Promise<void> {
    await this.page.getByRole('button', { name: either('Verrouiller', 'Lock') }).click();
  }

  // ---- Voters --------------------------------------------------------------------------

  async startVoting(language: 'fr' | 'en'): Promise<void> {
    await this.page.getByRole('button', { name: language === 'fr' ? 'Voter en français' : 'Vote in English' }).click();
    await this.expectHeading(either('Votre carte d’électeur', 'Your voter card'));
  }

  /** Types the card on the on-screen keypad (or on the physical keyboard). */
  async enterCard(card: VoterCard, by: 'keypad' | 'keyboard' = 'keypad'): Promise<void> {
    const chars = `${card.nas}${card.code}`.replace(/[^0-9A-Za-z]/g, '');
    if (by === 'keyboard') {
      await this.page.keyboard.type(chars);
    } else {
      for (const c of chars)
        await this.page
          .getByRole('group', { name: either('Clavier', 'Keypad') })
          .getByRole('button', { name: c, exact: true })
          .click();
    }
  }

  async submitCard(): Promise<void> {
    await this.button('Continuer', 'Continue').click();
  }

  cardProblem(): Locator {
    return this.page.locator('[role="alert"][data-problem]');
  }

  async answer(label: string): Promise<void> {
    await this.page.getByRole('radio', { name: label }).click();
    await expect(this.page.getByRole('radio', { name: label })).toHaveAttribute('aria-checked', 'true');
  }

  async rank(name: string): Promise<void> {
    await this.page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  }

  async next(): Promise<void> {
    const go = this.button('Suivant|Vérifier mon bulletin|Retour à la vérification', 'Next|Review my ballot|Back to review');
    // The screen that goes on is up: right after "Continue" the card may still be being checked,
    // and scrolling the card screen would leave the ballot unseen.
    await expect(go).toBeVisible();
    const leaving = (await this.heading().textContent()) ?? '';
    // A voter sees the whole screen before going on (the kiosk holds them back until they have, issue 13).
    await this.page.locator('main.screen').evaluate((main) => {
      main.scrollTop = main.scrollHeight;
    });
    await go.click();
    // Gone on: a screen with another heading. Held back, the kiosk would nudge and stay.
    await expect(this.heading()).not.toHaveText(leaving);
  }

  async cast(options: { readonly confirmBlank?: boolean } = {}): Promise<string> {
    await this.expectHeading(either('Vérifiez votre bulletin', 'Review your ballot'));
    await this.button('Déposer mon bulletin', 'Cast my ballot').click();
    if (options.confirmBlank === true)
      await this.page
        .getByRole('alertdialog')
        .getByRole('button', { name: either('Déposer quand même', 'Cast anyway') })
        .click();
    await this.expectHeading(either('Votre vote est enregistré', 'Your vote is recorded'));
    const receipt = (await this.page.getByTestId('receipt-code').textContent()) ?? '';
    // The ballot's random tracking code in three groups of four Crockford characters.
    expect(receipt).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    // What it proves, and where: receipt and count at the console's public page, no choice.
    const help = this.page.getByTestId('receipt-help');
    await expect(help).toContainText(/\/console\/receipt/);
    await expect(help).not.toContainText(/liste publiée|published list/);
    return receipt;
  }

  async finish(): Promise<void> {
    await this.button('Terminer', 'Finish').click();
    await this.expectWelcome();
  }

  /** Whether the screen's content fits without scrolling. */
  async fitsWithoutScrolling(): Promise<boolean> {
    return this.page.locator('main.screen').evaluate((main) => main.scrollHeight <= main.clientHeight + 1);
  }

  async expectWelcome(): Promise<void> {
    await expect(this.heading()).toContainText('Bienvenue');
  }
}

/** Text sizes of the kiosk's toolbar, smallest first (prefs_store TEXT_SIZES). */
export const TEXT_SIZES = [0, 1, 2, 3] as const;
export type TextSize = (typeof TEXT_SIZES)[number];

/**
 * Layout checks of the voter's screens (issue 13): touch targets, headings and the toolbar
 * that fit, options that can all be reached and a cue when some are below the fold.
 */
export class VoterLayout {
  constructor(readonly kiosk: Kiosk) {}

  get page(): Page {
    return this.kiosk.page;
  }

  async setTextSize(size: TextSize): Promise<void> {
    const group = this.page.getByRole('group', { name: either('Taille du texte', 'Text size') });
    await group.getByRole('button').nth(size).click();
    await expect(this.page.locator('html')).toHaveAttribute('data-text-size', String(size));
  }

  /**
   * The welcome screen whole, without scrolling: it is the first thing a voter sees and it has
   * no "more below" cue, so the language choice, the privacy promise and where to find help
   * all sit on screen at every text size.
   */
  async expectWelcomeWhole(name: string): Promise<void> {
    const below = await this.page.evaluate(() => {
      const screen = document.querySelector('main.screen--welcome');
      if (screen === null) return ['no welcome screen'];
      const { top, bottom } = screen.getBoundingClientRect();
      const fold = Math.min(bottom, window.innerHeight);
      return Array.from(screen.children)
        .filter((e) => {
          const box = e.getBoundingClientRect();
          return box.top < top - 1 || box.bottom > fold + 1;
        })
        .map((e) => `${e.className || e.tagName}: ${e.textContent.slice(0, 40)}`);
    });
    expect(below, `welcome screen ${name}: off screen`).toEqual([]);
  }

  /**
   * The card screen as the voter sees it now: the field being filled wholly on screen (above
   * the way forward), and every field and key either on screen too or announced by the "more
   * below" cue.
   */
  async expectCardReachable(name: string): Promise<void> {
    await expect
      .poll(
        () =>
          this.page.evaluate(() => {
            const screen = document.querySelector('main.screen--card');
            const nav = screen?.querySelector('.nav-bar')?.getBoundingClientRect();
            if (screen === null || nav === undefined) return 'no card screen';
            const top = screen.getBoundingClientRect().top;
            const onScreen = (e: Element) => {
              const box = e.getBoundingClientRect();
              return box.top >= top - 1 && box.bottom <= nav.top + 1;
            };
            const active = screen.querySelector('.card-field--active');
            if (active === null || !onScreen(active)) return 'the field being filled is off screen';
            const hidden = Array.from(screen.querySelectorAll('.card-field, .keypad button')).filter((e) => !onScreen(e));
            if (hidden.length > 0 && screen.querySelector('.button--cue') === null)
              return `${hidden.length} fields or keys below the fold, no cue`;
            return 'ok';
          }),
        { message: `card screen ${name}` },
      )
      .toBe('ok');
  }

  /** Every visible control (buttons, fields, radios and their labels) at least `min` px each way. */
  async expectTouchTargets(name: string, min = 60): Promise<void> {
    const small = await this.page.evaluate((limit) => {
      const targets = Array.from(
        document.querySelectorAll<HTMLElement>('button, input:not([type="radio"]), select, [role="radio"], label:has(input[type="radio"])'),
      );
      return targets
        .filter((e) => e.offsetParent !== null && !e.classList.contains('skip-link'))
        .map((e) => ({ e, box: e.getBoundingClientRect() }))
        .filter(({ box }) => box.width < limit - 0.5 || box.height < limit - 0.5)
        .map(({ e, box }) => `${e.textContent.trim() || e.id || e.className} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }, min);
    expect(small, `touch targets under ${min} px on ${name}`).toEqual([]);
  }

  /** The heading shows whole (not cut off, not under anything) and the toolbar's parts do not overlap. */
  async expectHeadingAndToolbarFit(name: string): Promise<void> {
    const problems = await this.page.evaluate(() => {
      const found: string[] = [];
      // Seen as the screen opens, from its top.
      const main = document.querySelector('main.screen');
      if (main !== null) main.scrollTop = 0;
      const h1 = document.querySelector<HTMLElement>('main h1');
      if (h1 !== null) {
        const box = h1.getBoundingClientRect();
        if (h1.scrollWidth > h1.clientWidth + 1) found.push(`heading overflows its box (${h1.scrollWidth} > ${h1.clientWidth})`);
        if (box.left < -1 || box.right > window.innerWidth + 1)
          found.push(`heading runs off the screen (${Math.round(box.left)}–${Math.round(box.right)})`);
        const toolbar = document.querySelector('.toolbar')?.getBoundingClientRect();
        if (toolbar !== undefined && box.top < toolbar.bottom - 1 && box.bottom > toolbar.top) found.push('heading under the toolbar');
      }
      const parts = Array.from(document.querySelectorAll<HTMLElement>('.toolbar > *')).filter((e) => e.offsetParent !== null);
      const boxes = parts.map((e) => ({ name: e.className, box: e.getBoundingClientRect() }));
      for (const [i, a] of boxes.entries())
        for (const b of boxes.slice(i + 1)) {
          const overlap =
            a.box.left < b.box.right - 1 && b.box.left < a.box.right - 1 && a.box.top < b.box.bottom - 1 && b.box.top < a.box.bottom - 1;
          if (overlap) found.push(`${a.name} overlaps ${b.name}`);
        }
      // No control is cut off at the screen's edge (a keypad wider than its column).
      for (const e of Array.from(document.querySelectorAll<HTMLElement>('button, input, [role="radio"]'))) {
        const box = e.getBoundingClientRect();
        if (e.offsetParent !== null && box.width > 0 && (box.left < -1 || box.right > window.innerWidth + 1))
          found.push(`${e.textContent.trim() || e.id} runs off the screen (${Math.round(box.left)}–${Math.round(box.right)})`);
      }
      // The election's name may shorten (ellipsis); the station's and the mode pill's words may not.
      for (const e of Array.from(document.querySelectorAll<HTMLElement>('.toolbar__mode, .toolbar__controls')))
        if (e.offsetParent !== null && e.getBoundingClientRect().right > window.innerWidth + 1)
          found.push(`${e.className} runs off the screen`);
      return found;
    });
    expect(problems, `heading and toolbar on ${name}`).toEqual([]);
  }

  /** Seen from its top, the screen shows the scroll cue exactly when something is below the fold (ballot and review screens). */
  async expectScrollCueWhenHidden(name: string): Promise<void> {
    await this.page.locator('main.screen').evaluate((m) => {
      m.scrollTop = 0;
    });
    if (await this.hidesSomething()) await expect(this.scrollCue(), `scroll cue on ${name}`).toBeVisible();
    else await expect(this.scrollCue(), `no scroll cue on ${name}`).toHaveCount(0);
  }

  /** Whether the screen hides options below the fold right now (scrolled to its top). */
  async hidesSomething(): Promise<boolean> {
    return this.page.locator('main.screen').evaluate((main) => main.scrollHeight - main.scrollTop - main.clientHeight > 2);
  }

  scrollCue(): Locator {
    return this.page.getByRole('button', {
      name: either(
        'D’autres choix plus bas|La suite de vos choix plus bas|Voyez d’abord',
        'More choices below|More of your choices below|First see every choice',
      ),
    });
  }

  /**
   * Each option of the ballot screen can be brought into view above the way forward, and
   * touched there (nothing covers it); when some start below the fold, the screen says so.
   */
  async expectEveryOptionReachable(name: string): Promise<void> {
    const main = this.page.locator('main.screen');
    await this.expectScrollCueWhenHidden(name);
    const options = this.page.locator('main .options [role="radio"], main .options button');
    const count = await options.count();
    expect(count, `options on ${name}`).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      const option = options.nth(i);
      // As focus does: into view within the screen's scroll padding (clear of the way forward).
      await option.evaluate((e) => {
        e.scrollIntoView({ block: 'nearest' });
      });
      // The screen settles (the cue goes once the end is in view).
      await this.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const blocked = await option.evaluate((e) => {
        const box = e.getBoundingClientRect();
        const nav = document.querySelector('main .nav-bar')?.getBoundingClientRect();
        const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        if (top === null || !e.contains(top)) return `covered by ${top?.className ?? 'nothing'}`;
        if (nav !== undefined && box.bottom > nav.top + 1)
          return `bottom ${Math.round(box.bottom)} under the way forward at ${Math.round(nav.top)}`;
        return null;
      });
      expect(blocked, `option ${i + 1} of ${name} can be seen whole and touched`).toBeNull();
    }
    await main.evaluate((m) => {
      m.scrollTop = 0;
    });
  }

  /** The voter scrolls to the end of the screen (what they must see before going on). */
  async scrollToEnd(): Promise<void> {
    await this.page.locator('main.screen').evaluate((m) => {
      m.scrollTop = m.scrollHeight;
    });
    await expect(this.scrollCue()).toHaveCount(0);
  }
}
