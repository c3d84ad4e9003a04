import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { fr } from './fr.ts';

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
