import { frenchTypographyProblems } from '@scrutin/shared';
import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { createI18n } from './i18n.ts';

type Tree = { readonly [key: string]: string | Tree };

function entries(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : entries(value, `${prefix}${key}.`),
  );
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the kiosk’s words', () => {
  const french = new Map(entries(fr));
  const english = new Map(entries(en));

  it('exist in French and English, key for key, none empty', () => {
    expect([...english.keys()].sort()).toEqual([...french.keys()].sort());
    for (const [key, text] of [...french, ...english]) expect(text.trim(), key).not.toBe('');
  });

  it('take the same placeholders in both languages', () => {
    for (const [key, text] of french) expect(placeholders(english.get(key) ?? ''), key).toEqual(placeholders(text));
  });

  it('are really translated (the same words in both languages only for names and symbols)', () => {
    const same = [...french].filter(([key, text]) => english.get(key) === text).map(([key]) => key);
    expect(same.sort()).toEqual(['app.name', 'report.votes']);
  });
});

describe('the voter’s words (issue 13)', () => {
  const voterGroups = ['app', 'welcome', 'polls', 'card', 'ballot', 'review', 'receipt', 'idle', 'voterUi'] as const;
  const voterEntries = (tree: typeof fr | typeof en) =>
    voterGroups.flatMap((group) => (group in tree ? entries((tree as unknown as Record<string, Tree>)[group] ?? {}, `${group}.`) : []));

  it('name the place one way in English: the polling station, never a "voting station"', () => {
    const voting = voterEntries(en).filter(([, text]) => /voting station/i.test(text));
    expect(voting).toEqual([]);
  });

  it('make plurals with i18next’s plural forms, never "(s)"', () => {
    const hacks = [...voterEntries(fr), ...voterEntries(en), ...entries(fr.report, 'report.'), ...entries(en.report, 'report.')].filter(
      ([, text]) => text.includes('(s)'),
    );
    expect(hacks).toEqual([]);
  });

  it('count in French as French does: one for 0 and 1, other from 2', () => {
    const i18n = createI18n('fr');
    expect(i18n.t('closing.ballotsOf', { count: 0 })).toBe('0 bulletin');
    expect(i18n.t('closing.ballotsOf', { count: 1 })).toBe('1 bulletin');
    expect(i18n.t('closing.ballotsOf', { count: 4 })).toBe('4 bulletins');
    expect(i18n.t('voterUi.clearRankingBody', { count: 3 })).toBe('Les 3 personnes classées seront retirées de votre classement.');
    const english = createI18n('en');
    expect(english.t('closing.ballotsOf', { count: 0 })).toBe('0 ballots');
    expect(english.t('closing.ballotsOf', { count: 1 })).toBe('1 ballot');
  });
});

describe('French typography and full stops (issue 13)', () => {
  it('every French string of the kiosk has a no-break space before ":", a narrow one before ";", "!", "?" and inside « »', () => {
    const found = entries(fr).flatMap(([key, text]) => frenchTypographyProblems(text).map((p) => `${key}: ${p}`));
    expect(found).toEqual([]);
  });

  it('the technician’s enrolment line ends in one full stop, in English and in French', () => {
    // How the technician screen writes the date (panels.tsx useDateTime), an afternoon time.
    const at = new Date(2026, 11, 3, 16, 8);
    const english = createI18n('en');
    const enDate = new Intl.DateTimeFormat('en-CA', { dateStyle: 'medium', timeStyle: 'short' }).format(at);
    expect(enDate).toMatch(/p\.m\.$/);
    expect(english.t('tech.enrolled', { date: enDate })).toBe(`Station enrolled on ${enDate}`);
    expect(english.t('tech.enrolled', { date: enDate })).not.toMatch(/\.\.$/);
    const french = createI18n('fr');
    const frDate = new Intl.DateTimeFormat('fr-CA', { dateStyle: 'medium', timeStyle: 'short' }).format(at);
    expect(french.t('tech.enrolled', { date: frDate })).toBe(`Poste inscrit le ${frDate}.`);
    // Mid-sentence too: "4:08 p.m.. Compare it" reads as a typo.
    expect(english.t('tech.preflight.clockUnchecked', { time: enDate })).toContain('p.m. Compare');
    // An ellipsis stays one.
    expect(english.t('app.connecting')).toMatch(/…$/);
  });
});
