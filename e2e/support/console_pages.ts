import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { ROOT, type Account } from './console_server.ts';

/** Page objects of the results console: what an official sees and does, by name. */
export const SCREENSHOTS = `${ROOT}e2e/artifacts/screenshots`;

export class ConsoleApp {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async open(path: string, election?: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/console/${path}${election === undefined ? '' : `?election=${encodeURIComponent(election)}`}`);
  }

  async login(account: Account): Promise<void> {
    await this.open('overview');
    const form = this.page.getByRole('form', { name: /connexion des officiels|officials’ login/i });
    await form.getByLabel(/nom d’utilisateur|username/i).fill(account.username);
    await form.getByLabel(/mot de passe|password/i).fill(account.password);
    await form.getByRole('button', { name: /se connecter|log in/i }).click();
    await expect(this.page.getByRole('navigation', { name: 'Navigation' })).toBeVisible();
  }

  async logout(): Promise<void> {
    await this.page.getByRole('button', { name: /déconnexion|log out/i }).click();
    await expect(this.page.getByRole('form', { name: /connexion des officiels|officials’ login/i })).toBeVisible();
  }

  nav(name: RegExp | string): Locator {
    return this.page.getByRole('navigation', { name: 'Navigation' }).getByRole('link', { name });
  }

  testId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /**
   * Saves e2e/artifacts/screenshots/console-<name>.png. The tests run with reduced motion, so
   * charts are drawn without animation and the picture is the final one.
   */
  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.evaluate(() => document.fonts.ready);
    await this.page.screenshot({ path: `${SCREENSHOTS}/console-${name}.png`, fullPage: true });
  }

  /** Every axe rule (WCAG 2.1 AA) passes on the current page. */
  async expectAccessible(): Promise<void> {
    const results = await new AxeBuilder({ page: this.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(
      results.violations.map(
        (v) =>
          `${v.id}: ${v.help} (${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')})`,
      ),
    ).toEqual([]);
  }

  /** A number shown in a KPI tile, as digits only. */
  async kpiNumber(testId: string): Promise<number> {
    const text = (await this.testId(testId).locator('.kpi-value').innerText()).replace(/[^0-9]/g, '');
    return Number(text);
  }
}
