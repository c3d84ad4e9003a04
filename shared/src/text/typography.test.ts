import { describe, expect, it } from 'vitest';
import { frenchTypographyProblems, oneFullStop } from './typography.ts';
import { VOTER_TEXT_FR } from '../voter_text/fr.ts';
import { voterTextEntries } from '../voter_text/voter_text.ts';

describe('French typography', () => {
  it('wants a no-break space before ":" and a narrow one before ";", "!", "?" and inside « »', () => {
    expect(
      frenchTypographyProblems('Horloge du poste\u00a0: 14\u00a0h\u00a005. Prêt\u202f? Oui\u202f! Non\u202f; «\u202fa voté\u202f».'),
    ).toEqual([]);
    expect(frenchTypographyProblems('Horloge du poste : 14 h 05')).toHaveLength(1);
    expect(frenchTypographyProblems('Effacer tout le classement ?')).toHaveLength(1);
    expect(frenchTypographyProblems('Effacer tout le classement?')).toHaveLength(1);
    expect(frenchTypographyProblems('Qui êtes-vous?')).toHaveLength(1);
    expect(frenchTypographyProblems('Réessayez ; sinon')).toHaveLength(1);
    expect(frenchTypographyProblems('Réessayez; sinon')).toHaveLength(1);
    expect(frenchTypographyProblems('Session: Amélie')).toHaveLength(1);
    expect(frenchTypographyProblems('« a voté »')).toHaveLength(2);
    expect(frenchTypographyProblems('«a voté»')).toHaveLength(2);
    expect(frenchTypographyProblems('Attention\u00a0!')).toHaveLength(1);
    expect(frenchTypographyProblems('Heure\u202f: 14')).toHaveLength(1);
  });

  it('leaves times, addresses and queries alone', () => {
    expect(frenchTypographyProblems('à 14:05, sur https://exemple.ca/console/receipt?election=E1')).toEqual([]);
  });

  it('holds in every string of the voter’s catalogue', () => {
    const found = voterTextEntries('fr').flatMap(([key, text]) => frenchTypographyProblems(text).map((p) => `${key}: ${p}`));
    expect(found).toEqual([]);
    expect(VOTER_TEXT_FR.ballot.cancelTitle).toContain('\u202f?');
  });
});

describe('one full stop', () => {
  it('after an abbreviation that ends the sentence', () => {
    expect(oneFullStop('Station enrolled on Dec 3, 2026, 4:08 p.m..')).toBe('Station enrolled on Dec 3, 2026, 4:08 p.m.');
    expect(oneFullStop('Poste inscrit le 3 déc.. Suite')).toBe('Poste inscrit le 3 déc. Suite');
    expect(oneFullStop('Patientez...')).toBe('Patientez...');
    expect(oneFullStop('Une phrase. Une autre.')).toBe('Une phrase. Une autre.');
  });
});
