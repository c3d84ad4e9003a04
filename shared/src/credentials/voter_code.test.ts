import { describe, expect, it } from 'vitest';
import {
  VOTER_CODE_ALPHABET,
  VOTER_CODE_DATA_LENGTH,
  VOTER_CODE_ENTROPY_BITS,
  VOTER_CODE_LENGTH,
  VoterCodeSchema,
  createVoterCodeGenerator,
  formatVoterCode,
  parseVoterCode,
  randomVoterCode,
  voterCodeCheckCharacter,
  voterCodeFromBytes,
  type RandomFill,
  type VoterCode,
} from './voter_code.ts';

/** A few codes to test exhaustively: fixed ones, including 0/Z neighbours, and random ones. */
const SAMPLE_CODES: readonly VoterCode[] = [
  code('0123456789AB'),
  code('7KQ4M2ZXW9PD'),
  code('000000000000'),
  code('ZZZZZZZZZZZZ'),
  code('0Z0Z0ZZ00ZZ0'),
  randomVoterCode(),
  randomVoterCode(),
  randomVoterCode(),
];

function code(data: string): VoterCode {
  return (data + voterCodeCheckCharacter(data)) as VoterCode;
}

function swap(s: string, i: number): string {
  return s.slice(0, i) + s.charAt(i + 1) + s.charAt(i) + s.slice(i + 2);
}

describe('the alphabet', () => {
  it("is Crockford's base32: 32 distinct symbols, no I, L, O or U", () => {
    expect(VOTER_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(VOTER_CODE_ALPHABET).size).toBe(32);
    expect(VOTER_CODE_ALPHABET).toMatch(/^[0-9A-Z]+$/);
    for (const c of 'ILOU') expect(VOTER_CODE_ALPHABET).not.toContain(c);
  });

  it('gives 60 bits of entropy in 12 data characters plus one check character', () => {
    expect(VOTER_CODE_DATA_LENGTH).toBe(12);
    expect(VOTER_CODE_LENGTH).toBe(13);
    expect(VOTER_CODE_ENTROPY_BITS).toBe(60);
    expect(VOTER_CODE_DATA_LENGTH * Math.log2(VOTER_CODE_ALPHABET.length)).toBe(60);
  });
});

describe('check character', () => {
  it('matches vectors computed outside the code base', () => {
    // From a separate Python implementation of the Damm check over GF(2^5) mod x^5+x^2+1.
    expect(voterCodeCheckCharacter('0123456789AB')).toBe('V');
    expect(voterCodeCheckCharacter('7KQ4M2ZXW9PD')).toBe('E');
    expect(voterCodeCheckCharacter('000000000000')).toBe('0');
    expect(voterCodeCheckCharacter('ZZZZZZZZZZZZ')).toBe('R');
  });

  it('detects every single-character substitution', () => {
    for (const c of SAMPLE_CODES) {
      for (let i = 0; i < VOTER_CODE_LENGTH; i += 1) {
        for (const other of VOTER_CODE_ALPHABET) {
          if (other === c.charAt(i)) continue;
          const typo = c.slice(0, i) + other + c.slice(i + 1);
          expect(parseVoterCode(typo), typo).toEqual({ ok: false, error: { kind: 'check-failed' } });
        }
      }
    }
  });

  it('detects every transposition of two different adjacent characters', () => {
    for (const c of SAMPLE_CODES) {
      for (let i = 0; i + 1 < VOTER_CODE_LENGTH; i += 1) {
        if (c.charAt(i) === c.charAt(i + 1)) continue;
        expect(parseVoterCode(swap(c, i)), swap(c, i)).toEqual({ ok: false, error: { kind: 'check-failed' } });
      }
    }
  });

  it('detects the transposition of every pair of different symbols at every data position', () => {
    const base = '7KQ4M2ZXW9PD';
    for (let i = 0; i + 1 < VOTER_CODE_DATA_LENGTH; i += 1) {
      for (const x of VOTER_CODE_ALPHABET) {
        for (const y of VOTER_CODE_ALPHABET) {
          if (x === y) continue;
          const valid = code(base.slice(0, i) + x + y + base.slice(i + 2));
          expect(parseVoterCode(valid).ok).toBe(true);
          expect(parseVoterCode(swap(valid, i)).ok).toBe(false);
        }
      }
    }
    // and the last data character with the check character
    for (const x of VOTER_CODE_ALPHABET) {
      const valid = code(base.slice(0, 11) + x);
      if (valid.charAt(11) !== valid.charAt(12)) expect(parseVoterCode(swap(valid, 11)).ok).toBe(false);
    }
  });

  it('also detects jump transpositions (abc ↔ cba) and twin errors (aa → bb)', () => {
    for (const c of SAMPLE_CODES) {
      for (let i = 0; i + 2 < VOTER_CODE_LENGTH; i += 1) {
        if (c.charAt(i) === c.charAt(i + 2)) continue;
        const jumped = c.slice(0, i) + c.charAt(i + 2) + c.charAt(i + 1) + c.charAt(i) + c.slice(i + 3);
        expect(parseVoterCode(jumped).ok, jumped).toBe(false);
      }
    }
    for (let i = 0; i + 1 < VOTER_CODE_DATA_LENGTH; i += 1) {
      for (const x of VOTER_CODE_ALPHABET) {
        const valid = code('7KQ4M2ZXW9PD'.slice(0, i) + x + x + '7KQ4M2ZXW9PD'.slice(i + 2));
        for (const y of VOTER_CODE_ALPHABET) {
          if (y !== x) expect(parseVoterCode(valid.slice(0, i) + y + y + valid.slice(i + 2)).ok).toBe(false);
        }
      }
    }
  });

  it('would not be caught by Luhn mod 32, which misses 0Z ↔ Z0 (why we use Damm)', () => {
    // Luhn mod N, as on Wikipedia, over the same alphabet: the reference for the decision record.
    const luhnMod32Valid = (s: string): boolean => {
      let factor = 1;
      let sum = 0;
      for (let i = s.length - 1; i >= 0; i -= 1) {
        const addend = factor * VOTER_CODE_ALPHABET.indexOf(s.charAt(i));
        factor = factor === 2 ? 1 : 2;
        sum += Math.floor(addend / 32) + (addend % 32);
      }
      return sum % 32 === 0;
    };
    const luhnCheck = (data: string): string => Array.from(VOTER_CODE_ALPHABET).find((c) => luhnMod32Valid(data + c)) ?? '?';
    const data = '7KQ4M2ZXW90Z';
    const luhnCode = data + luhnCheck(data);
    expect(luhnMod32Valid(luhnCode)).toBe(true);
    expect(luhnMod32Valid(swap(luhnCode, 10))).toBe(true); // the typo slips through Luhn
    expect(parseVoterCode(swap(code(data), 10)).ok).toBe(false); // and is caught here
  });
});

describe('parseVoterCode', () => {
  const c = code('7KQ4M2ZXW9PD');

  it('accepts the printed form and forgives case, spaces, dashes and look-alikes', () => {
    expect(parseVoterCode('7KQ4-M2ZX-W9PD-E')).toEqual({ ok: true, value: c });
    expect(parseVoterCode('7kq4 m2zx w9pd e')).toEqual({ ok: true, value: c });
    expect(parseVoterCode(' 7KQ4M2ZXW9PDE ')).toEqual({ ok: true, value: c });
    expect(parseVoterCode('7kq4–m2zx–w9pd–e')).toEqual({ ok: true, value: c }); // en dashes, pasted
    const zeros = code('0123456789AB');
    expect(parseVoterCode('OI23-4567-89AB-V')).toEqual({ ok: true, value: zeros });
    expect(parseVoterCode('oL23456789abv')).toEqual({ ok: true, value: zeros });
  });

  it('refuses U and other symbols outside the alphabet, saying where', () => {
    expect(parseVoterCode('7KQ4-U2ZX-W9PD-E')).toEqual({ ok: false, error: { kind: 'invalid-character', char: 'U', position: 5 } });
    expect(parseVoterCode('7kq4-m2zx-w9pd-u')).toEqual({ ok: false, error: { kind: 'invalid-character', char: 'u', position: 13 } });
    expect(parseVoterCode('7KQ4*M2ZXW9PDE')).toEqual({ ok: false, error: { kind: 'invalid-character', char: '*', position: 5 } });
    expect(parseVoterCode('É')).toEqual({ ok: false, error: { kind: 'invalid-character', char: 'É', position: 1 } });
  });

  it('refuses the wrong number of characters', () => {
    expect(parseVoterCode('7KQ4-M2ZX-W9PD')).toEqual({ ok: false, error: { kind: 'wrong-length', length: 12, expected: 13 } });
    expect(parseVoterCode('7KQ4-M2ZX-W9PD-EE')).toEqual({ ok: false, error: { kind: 'wrong-length', length: 14, expected: 13 } });
    expect(parseVoterCode(' - ')).toEqual({ ok: false, error: { kind: 'wrong-length', length: 0, expected: 13 } });
  });

  it('formats for the card and parses its own format back', () => {
    expect(formatVoterCode(c)).toBe('7KQ4-M2ZX-W9PD-E');
    for (const s of SAMPLE_CODES) expect(parseVoterCode(formatVoterCode(s))).toEqual({ ok: true, value: s });
  });

  it('has a schema for canonical codes at boundaries', () => {
    expect(VoterCodeSchema.safeParse(c).success).toBe(true);
    expect(VoterCodeSchema.safeParse('7kq4m2zxw9pde').success).toBe(false);
    expect(VoterCodeSchema.safeParse('7KQ4M2ZXW9PDF').success).toBe(false);
  });
});

describe('generation', () => {
  it('maps one random byte to one character (its low 5 bits)', () => {
    const bytes = Uint8Array.from({ length: 12 }, (_, i) => i + 32 * (i % 8));
    expect(voterCodeFromBytes(bytes)).toBe('0123456789ABV');
    expect(voterCodeFromBytes(Uint8Array.of(0, ...bytes), 1)).toBe('0123456789ABV');
    expect(() => voterCodeFromBytes(bytes, 1)).toThrow(RangeError);
  });

  it('draws from the injected RNG', () => {
    const fill: RandomFill = (b) => b.fill(31);
    expect(randomVoterCode(fill)).toBe('ZZZZZZZZZZZZR');
  });

  it('makes valid codes whose characters are uniform over the alphabet', () => {
    const n = 32_000;
    const next = createVoterCodeGenerator();
    const counts = Array.from({ length: VOTER_CODE_DATA_LENGTH }, () => new Array<number>(32).fill(0));
    const seen = new Set<string>();
    for (let k = 0; k < n; k += 1) {
      const c = next();
      expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{13}$/);
      seen.add(c);
      for (let i = 0; i < VOTER_CODE_DATA_LENGTH; i += 1) {
        const row = counts[i]!;
        const v = VOTER_CODE_ALPHABET.indexOf(c.charAt(i));
        row[v] = row[v]! + 1;
      }
    }
    expect(seen.size).toBe(n);
    for (const c of [...seen].slice(0, 100)) expect(parseVoterCode(c).ok).toBe(true);
    // Chi-square with 31 degrees of freedom per position: 99.99th percentile ≈ 70.
    for (const row of counts) {
      const expected = n / 32;
      const chi2 = row.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(75);
    }
  });

  it('draws random bytes in blocks for bulk generation', () => {
    let calls = 0;
    let counter = 0;
    const fill: RandomFill = (b) => {
      calls += 1;
      for (let i = 0; i < b.length; i += 1) b[i] = (counter += 7) & 0xff;
    };
    const next = createVoterCodeGenerator({ fill, poolBytes: 120 });
    const codes = Array.from({ length: 25 }, () => next());
    expect(calls).toBe(3); // 10 codes per 120-byte pool
    for (const c of codes) expect(parseVoterCode(c).ok).toBe(true);
  });
});
