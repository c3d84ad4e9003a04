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
    await this.button('Suivant|Vérifier mon bulletin|Retour à la vérification', 'Next|Review my ballot|Back to review').click();
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
