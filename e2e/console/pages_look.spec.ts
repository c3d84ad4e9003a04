import { expect, test, type Page } from '@playwright/test';
import { sampleElection } from '@scrutin/shared/node';
import { ConsoleApp } from '../support/console_pages.ts';
import { startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * Every page of the console as an official sees it (issue 13's look-through), in French and in
 * English, on a 1280 px screen and a 768 px tablet: each is checked for what a reader would
 * find wrong on any page (the page wider than the screen, text cut off at its box, an
 * untranslated key, the other language's words) and photographed to
 * e2e/artifacts/screenshots/console-look-*.png for people to look at. Two stations closed
 * their polls, so the pages have counts, rounds and stations of each kind.
 */

test.describe.configure({ mode: 'serial' });
test.use({ reducedMotion: 'reduce' });

let central: ConsoleCentral;
const sample = sampleElection();
const ELECTION = sample.id;
const stationOf = (riding: string) => {
  const station = sample.stations.find((s) => s.riding === riding)?.id;
  if (station === undefined) throw new Error(`no station in ${riding}`);
  return station;
};

const WIDTHS = [1280, 768] as const;
const LANGUAGES = ['fr', 'en'] as const;
/** Each route of the console (server/console/src/state/router.ts PAGES), with what it needs. */
const ROUTES = [
  'overview',
  'ridings',
  'riding&riding=SHERBROOKE',
  'riding&riding=ABITIBI-OUEST',
  'stations',
  'rejections',
  'audit',
  'exports',
  'definition',
  'station-admin',
  'credentials',
  'officials',
] as const;

/** Words that only the other language's catalogue uses on these pages: one of them on screen is a mixed language. */
const OTHER_LANGUAGE: Record<(typeof LANGUAGES)[number], RegExp> = {
  fr: /\b(the|stations|ballots|results|Log out|Overview|Refreshed|reporting)\b/,
  en: /\b(les|des|bureaux|bulletins|Résultats|Déconnexion|Aperçu|circonscriptions)\b/,
};

test.beforeAll(async () => {
  central = await startConsoleCentral();
  await central.command(`close-station ${stationOf('SHERBROOKE')} 0,3,2;0,3,2;0,2,2;0,2,2`);
  await central.command(`close-station ${stationOf('ABITIBI-OUEST')} 0,0;0,0;0,1;0,2`);
});

test.afterAll(async () => {
  await central.stop();
});

async function withLanguage(page: Page, language: (typeof LANGUAGES)[number]): Promise<void> {
  await page.addInitScript((l) => {
    window.localStorage.setItem('scrutin.console.language', l);
  }, language);
}

/** What anyone would see wrong on a page, whatever the page. */
async function problemsOf(page: Page, language: (typeof LANGUAGES)[number]): Promise<string[]> {
  // The console brings its own font (Inter); measure once it is in, not in the fallback it swaps from.
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  const found = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      out.push(`the page is ${document.documentElement.scrollWidth} px wide on a ${window.innerWidth} px screen`);
    for (const e of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      if (e.offsetParent === null || e.children.length > 0) continue;
      const style = getComputedStyle(e);
      const text = e.textContent.trim();
      // Visually hidden text for screen readers (sr-only) is 1 px wide on purpose.
      if (text === '' || e.clientWidth <= 2 || e.clientHeight <= 2) continue;
      // Text cut at its box without an ellipsis (a clipped word), or running off the screen; in a
      // table, not even with an ellipsis: a header ("BULLETI…") or a cell ("Ranked (I…") is read whole.
      const inTable = e.closest('th, td, [role="columnheader"], [role="cell"]') !== null;
      if (style.overflowX !== 'visible' && (style.textOverflow !== 'ellipsis' || inTable) && e.scrollWidth > e.clientWidth + 1)
        out.push(`cut: "${text.slice(0, 40)}"`);
      const box = e.getBoundingClientRect();
      // Cut by a box around it that hides what overflows (a table's last column, a badge in a
      // narrow cell), or off the screen. A box that scrolls is no cut if a keyboard can reach it
      // and it has a name (a screen reader says what scrolls); what it holds is then in reach.
      let clipped = false;
      let scroller = e.parentElement;
      for (; scroller !== null; scroller = scroller.parentElement) {
        const s = getComputedStyle(scroller);
        if (['auto', 'scroll'].includes(s.overflowX)) break;
        if (['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY)) {
          const around = scroller.getBoundingClientRect();
          const cutX = ['hidden', 'clip'].includes(s.overflowX) && (box.right > around.right + 1 || box.left < around.left - 1);
          const cutY = ['hidden', 'clip'].includes(s.overflowY) && (box.bottom > around.bottom + 1 || box.top < around.top - 1);
          if (cutX || cutY) clipped = true;
        }
      }
      if (clipped) out.push(`cut by the box around it: "${text.slice(0, 40)}"`);
      if (scroller !== null && scroller.scrollWidth > scroller.clientWidth + 1) {
        const named = scroller.hasAttribute('aria-label') || scroller.hasAttribute('aria-labelledby');
        if (scroller.tabIndex < 0 || !named)
          out.push(`a sideways scroll without a name or keyboard, around: "${scroller.textContent.trim().slice(0, 40)}"`);
      }
      if (scroller === null && box.width > 0 && box.right > window.innerWidth + 1 && style.position !== 'fixed')
        out.push(`off the screen: "${text.slice(0, 40)}"`);
      // An i18next key shown as is ("riding.decision", "pages.overview"), or a field name in camelCase ("tokenIssuedBy").
      if (/^[a-z]+(\.[a-zA-Z-]+)+$/.test(text) && !/\.(csv|json|zip|txt|pdf|png)$/.test(text)) out.push(`an untranslated key: "${text}"`);
      if (/^[a-z]+[A-Z][a-zA-Z]*$/.test(text)) out.push(`a raw field name: "${text}"`);
      // Inter's tabular figures widen the hyphen too: a name in them ("Blais-Gagnon") reads "Blais - Gagnon".
      if (/\p{L}-\p{L}/u.test(text) && style.fontVariantNumeric.includes('tabular-nums'))
        out.push(`a hyphen set in tabular figures: "${text.slice(0, 40)}"`);
      // Markdown-like `code` printed with its backticks.
      if (text.includes('`')) out.push(`backticks shown as text: "${text.slice(0, 60)}"`);
    }
    // A picker shows its chosen option whole: its name is not cut at the picker's edge.
    for (const select of Array.from(document.querySelectorAll<HTMLSelectElement>('select'))) {
      if (select.offsetParent === null) continue;
      const style = getComputedStyle(select);
      const context = document.createElement('canvas').getContext('2d');
      if (context === null) continue;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const chosen = select.selectedOptions[0]?.textContent ?? '';
      // The arrow takes about 20 px of the picker's inside.
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
      if (context.measureText(chosen).width > room + 1) out.push(`a picker cuts its choice: "${chosen.slice(0, 40)}"`);
    }
    // A table with its header over nothing: an empty table says that it is empty.
    for (const table of Array.from(document.querySelectorAll<HTMLElement>('table, [role="table"]'))) {
      if (table.offsetParent === null) continue;
      const rows = table.querySelectorAll('tbody tr, [role="rowgroup"] [role="row"]').length;
      if (rows === 0)
        out.push(`an empty table that says nothing: "${(table.getAttribute('aria-label') ?? table.textContent).slice(0, 40)}"`);
    }
    return [...new Set(out)];
  });
  found.push(...(await chartProblemsOf(page)));
  const text = await page.locator('body').innerText();
  const other = OTHER_LANGUAGE[language].exec(text.replace(/Québec general election \(demo\)|Élection générale du Québec \(démo\)/g, ''));
  if (other !== null)
    found.push(
      `the other language on a ${language} page: "${other[0]}" in …${text.slice(Math.max(0, other.index - 40), other.index + 40)}…`,
    );
  return found;
}

/**
 * What a chart draws on its canvas, read from its ECharts instance (server/console/src/components/chart.tsx
 * ChartElement): its labels must not print over each other nor leave the chart, its symbols (a seat's
 * circle) must be drawn whole, not cut at the chart's edge or at its plot's.
 */
async function chartProblemsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    interface Rect {
      x: number;
      y: number;
      width: number;
      height: number;
      clone: () => Rect;
      applyTransform: (m: unknown) => void;
    }
    interface Drawn {
      type: string;
      invisible?: boolean;
      ignore?: boolean;
      style?: { text?: string };
      parent?: Drawn | null;
      getBoundingRect: () => Rect;
      getComputedTransform: () => unknown;
      getClipPath?: () => Drawn | undefined;
      shape?: { x: number; y: number; width: number; height: number };
    }
    interface Instance {
      getWidth: () => number;
      getHeight: () => number;
      getZr: () => { storage: { getDisplayList: (update: boolean) => Drawn[] } };
    }
    const out: string[] = [];
    for (const element of Array.from(document.querySelectorAll<HTMLElement & { scrutinChart?: Instance }>('.chart'))) {
      const chart = element.scrutinChart;
      if (chart === undefined || element.offsetParent === null) continue;
      const name = element.getAttribute('data-testid') ?? element.getAttribute('aria-label') ?? 'a chart';
      const width = chart.getWidth();
      const height = chart.getHeight();
      const drawn = chart
        .getZr()
        .storage.getDisplayList(true)
        .filter((d) => d.invisible !== true && d.ignore !== true);
      const boxOf = (d: Drawn): Rect => {
        const r = d.getBoundingRect().clone();
        r.applyTransform(d.getComputedTransform());
        return r;
      };
      const labels = drawn
        // zrender draws a label as one tspan per line.
        .filter((d) => (d.type === 'text' || d.type === 'tspan') && (d.style?.text ?? '').trim() !== '')
        .map((d) => ({ text: d.style?.text ?? '', box: boxOf(d) }));
      for (const l of labels)
        if (l.box.x < -1 || l.box.y < -1 || l.box.x + l.box.width > width + 1 || l.box.y + l.box.height > height + 1)
          out.push(`${name}: the label "${l.text}" leaves the chart`);
      labels.forEach((a, i) => {
        for (const b of labels.slice(i + 1)) {
          const w = Math.min(a.box.x + a.box.width, b.box.x + b.box.width) - Math.max(a.box.x, b.box.x);
          const h = Math.min(a.box.y + a.box.height, b.box.y + b.box.height) - Math.max(a.box.y, b.box.y);
          if (w > 2 && h > 2) out.push(`${name}: the labels "${a.text}" and "${b.text}" print over each other`);
        }
      });
      // Shapes (a seat's circle, a bar, a band): whole inside the chart and inside the clip of their series, if it has one.
      for (const d of drawn.filter((x) => x.type !== 'text' && x.type !== 'tspan')) {
        const box = boxOf(d);
        if (box.width === 0 || box.height === 0 || !Number.isFinite(box.width)) continue;
        let clip: { x: number; y: number; width: number; height: number } | null = null;
        for (let p: Drawn | null | undefined = d; p !== null && p !== undefined && clip === null; p = p.parent)
          clip = p.getClipPath?.()?.shape ?? null;
        const inside = (r: { x: number; y: number; width: number; height: number }) =>
          box.x >= r.x - 1 && box.y >= r.y - 1 && box.x + box.width <= r.x + r.width + 1 && box.y + box.height <= r.y + r.height + 1;
        if (!inside({ x: 0, y: 0, width, height }) || (clip !== null && !inside(clip))) {
          out.push(
            `${name}: a ${d.type} is cut at ${Math.round(box.x)},${Math.round(box.y)} (${Math.round(box.width)} × ${Math.round(box.height)} px)`,
          );
          break;
        }
      }
    }
    return out;
  });
}

for (const language of LANGUAGES)
  for (const width of WIDTHS)
    test(`every console page in ${language === 'fr' ? 'French' : 'English'} at ${width} px holds and is photographed`, async ({
      browser,
    }) => {
      test.setTimeout(240_000);
      const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
      const page = await context.newPage();
      await withLanguage(page, language);
      const app = new ConsoleApp(page, central.url);
      const problems: string[] = [];
      await app.open('overview');
      await expect(page.getByRole('form', { name: /connexion des officiels|officials’ login/i })).toBeVisible();
      problems.push(...(await problemsOf(page, language)).map((p) => `login: ${p}`));
      await app.screenshot(`look-login-${language}-${width}`);
      await page.goto(`${central.url}/console/receipt?election=${ELECTION}`);
      await expect(page.locator('main h1, h1').first()).toBeVisible();
      problems.push(...(await problemsOf(page, language)).map((p) => `receipt: ${p}`));
      await app.screenshot(`look-receipt-${language}-${width}`);
      await app.login(central.officials.admin);
      for (const route of ROUTES) {
        const [name, query = ''] = route.split('&');
        await page.goto(`${central.url}/console/${name}?election=${ELECTION}${query === '' ? '' : `&${query}`}`);
        await expect(page.locator('#content h1, #content h2').first()).toBeVisible();
        await expect(page.getByText(/^(Chargement|Loading)…?$/)).toHaveCount(0);
        const tag = route.replace(/&riding=/, '-').toLowerCase();
        problems.push(...(await problemsOf(page, language)).map((p) => `${tag}: ${p}`));
        await app.screenshot(`look-${tag}-${language}-${width}`);
      }
      await context.close();
      expect(problems).toEqual([]);
    });
