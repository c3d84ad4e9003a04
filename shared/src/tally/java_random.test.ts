import { describe, expect, it } from 'vitest';
import { JavaRandom, compareJavaStrings, javaHashSetOrder, javaShuffle, javaStringHashCode } from './java_random.ts';

describe('JavaRandom', () => {
  it.each([
    [0n, 0.730967787376657, 0.24053641567148587],
    [1n, 0.7308781907032909, 0.41008081149220166],
    [12345n, 0.3618031071604718, 0.932993485288541],
  ])('reproduces java.util.Random(%s).nextDouble()', (seed, first, second) => {
    const random = new JavaRandom(seed);
    expect(random.nextDouble()).toBe(first);
    expect(random.nextDouble()).toBe(second);
  });

  // The values below were printed by OpenJDK 17's java.util.Random.
  it('reproduces nextInt for power-of-two and other bounds', () => {
    const random = new JavaRandom(42n);
    expect([random.nextInt(10), random.nextInt(10), random.nextInt(10)]).toEqual([0, 3, 8]);
    expect(new JavaRandom(42n).nextInt(16)).toBe(11);
    const large = new JavaRandom(7n);
    expect(Array.from({ length: 8 }, (_, i) => large.nextInt(1_000_000_007 + i))).toEqual([
      569164229, 371249156, 608829476, 20678044, 747989380, 53566242, 926887955, 594696635,
    ]);
  });

  it('takes seeds as Java longs', () => {
    expect(new JavaRandom(-1n).next(32)).toBe(1155099827);
    // Only the low 48 bits of the seed matter: Long.MIN_VALUE behaves like 0.
    const random = new JavaRandom(-(2n ** 63n));
    expect(random.nextDouble()).toBe(0.730967787376657);
    expect(random.nextInt(3)).toBe(1);
  });
});

describe('Collections.shuffle', () => {
  it('gives the permutation RCTab logs for tiebreak_generate_permutation_test', () => {
    const sorted = ['George Gervin', 'Mookie Blaylock', 'Sedale Threatt', 'Yinka Dare'];
    expect(javaShuffle(sorted, new JavaRandom(12345n))).toEqual(['George Gervin', 'Sedale Threatt', 'Yinka Dare', 'Mookie Blaylock']);
  });
});

describe('String helpers', () => {
  it('hashes like String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Undeclared Write-ins')).toBe(javaStringHashCode('Undeclared Write-ins'));
    // Overflows to negative as an int32.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('iterates a HashSet in bucket order (the previousRoundCountsThenRandom quirk)', () => {
    expect(javaHashSetOrder(['Dopey', 'Sneezy'])).toEqual(['Sneezy', 'Dopey']);
    // 30 names need a 64-slot table; order printed by OpenJDK 17.
    const many = Array.from({ length: 30 }, (_, i) => `cand${i}x`);
    expect(javaHashSetOrder(many).map((name) => Number(name.slice(4, -1)))).toEqual([
      1, 3, 23, 9, 13, 25, 15, 5, 21, 7, 11, 16, 28, 18, 2, 4, 0, 12, 24, 14, 26, 6, 20, 8, 10, 22, 27, 17, 29, 19,
    ]);
  });

  it('compares by UTF-16 code unit, not by locale', () => {
    const names = ['b', 'B', 'a', 'É', 'E'];
    expect([...names].sort(compareJavaStrings)).toEqual(['B', 'E', 'a', 'b', 'É']);
  });
});
