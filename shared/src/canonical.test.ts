import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and drops insignificant space', () => {
    // RFC 8785 §3.2.3 sorting example (keys only).
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string);
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(canonicalJson({ b: [3, { d: null, c: true }], a: 'é' })).toBe('{"a":"é","b":[3,{"c":true,"d":null}]}');
  });

  it('serialises numbers as ECMAScript does and refuses values with no JSON form', () => {
    expect(canonicalJson([1e21, 0.1, -0, 333333333.3333333])).toBe('[1e+21,0.1,0,333333333.3333333]');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('canonical JSON with integer-like keys', () => {
  it('still sorts them as strings, not in the engine’s numeric order', () => {
    expect(canonicalJson({ b: 1, '10': 2, '9': 3, a: { '2': true, '1': false } })).toBe('{"10":2,"9":3,"a":{"1":false,"2":true},"b":1}');
    expect(canonicalJson([{ z: 1, y: [{ '3': 0, x: null }] }])).toBe('[{"y":[{"3":0,"x":null}],"z":1}]');
  });
});
