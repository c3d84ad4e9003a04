import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@scrutin/shared/protocol';
import { en } from './en.ts';
import { fr } from './fr.ts';

describe('the API’s refusals in the console', () => {
  it('has a French and an English text for every error code of the API', () => {
    const missing = (errors: Readonly<Record<string, string>>) => ERROR_CODES.filter((code) => !(code in errors));
    expect(missing(fr.errors)).toEqual([]);
    expect(missing(en.errors)).toEqual([]);
    // Not the English of the server: each French text is its own.
    expect(
      ERROR_CODES.filter((code) => (fr.errors as Record<string, string>)[code] === (en.errors as Record<string, string>)[code]),
    ).toEqual([]);
  });
});
