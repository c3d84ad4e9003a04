import { frenchTypographyProblems } from '@scrutin/shared';
import { describe, expect, it } from 'vitest';
import { fr } from './fr.ts';

type Tree = { readonly [key: string]: string | Tree };
const entries = (tree: Tree, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : entries(value, `${prefix}${key}.`),
  );

describe('the console’s French', () => {
  it('keeps French typography: a no-break space before ":", a narrow one before ";", "!", "?" and inside « » (issue 13)', () => {
    const found = entries(fr).flatMap(([key, text]) => frenchTypographyProblems(text).map((p) => `${key}: ${p}`));
    expect(found).toEqual([]);
  });
});
