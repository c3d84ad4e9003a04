/**
 * Bit-exact reproductions of the few Java library behaviours that RCTab's tiebreaks depend
 * on: `java.util.Random`, `Collections.shuffle`, `String.hashCode`, `String.compareTo` and
 * the iteration order of a small `HashSet<String>`. A tiebreak that drew from any other
 * generator, or sorted with `localeCompare`, would pick different candidates than RCTab.
 */

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK_48 = (1n << 48n) - 1n;
const TWO_POW_31 = 2 ** 31;
const TWO_POW_53 = 2 ** 53;

/** `java.util.Random`: a 48-bit linear congruential generator. Seeds are Java longs. */
export class JavaRandom {
  private seed: bigint;

  constructor(seed: bigint) {
    // Java scrambles the seed before its first use; only the low 48 bits matter.
    this.seed = (BigInt.asIntN(64, seed) ^ MULTIPLIER) & MASK_48;
  }

  /** `next(bits)`: the top `bits` bits of the new state, as a signed 32-bit int. */
  next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK_48;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  /** `nextInt(bound)`: uniform in [0, bound), with Java's rejection of the biased tail. */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound >= TWO_POW_31) {
      throw new RangeError(`nextInt bound must be a positive int, got ${bound}`);
    }
    if ((bound & -bound) === bound) {
      // Power of two: the high bits of next(31) are the best ones.
      return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    }
    for (;;) {
      const bits = this.next(31);
      const value = bits % bound;
      // Java's `bits - val + (bound - 1) < 0` is an int overflow test.
      if (bits - value + (bound - 1) < TWO_POW_31) {
        return value;
      }
    }
  }

  /** `nextDouble()`: 53 random bits scaled into [0, 1). */
  nextDouble(): number {
    const high = this.next(26);
    const low = this.next(27);
    return (high * 2 ** 27 + low) / TWO_POW_53;
  }
}

/** `Collections.shuffle(list, random)`: a Fisher–Yates walk from the end. Returns a copy. */
export function javaShuffle<T>(items: readonly T[], random: JavaRandom): T[] {
  const list = [...items];
  for (let i = list.length; i > 1; i--) {
    const j = random.nextInt(i);
    const a = list[i - 1] as T;
    list[i - 1] = list[j] as T;
    list[j] = a;
  }
  return list;
}

/** `String.hashCode()`: s[0]·31^(n−1) + … + s[n−1] over UTF-16 code units, as an int32. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  }
  return hash;
}

/** `String.compareTo`: plain UTF-16 code-unit order (never locale-aware). */
export function compareJavaStrings(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/**
 * The iteration order of `new HashSet<>(list)` for distinct strings: buckets in ascending
 * order, entries within a bucket in insertion (list) order. The table holds
 * max(16, ⌊n / 0.75⌋ + 1) slots rounded up to a power of two, and the bucket is the spread
 * hash `h ^ (h >>> 16)` masked to the table size.
 */
export function javaHashSetOrder(list: readonly string[]): string[] {
  const capacity = tableSizeFor(Math.max(Math.floor(list.length / 0.75) + 1, 16));
  const bucketOf = (text: string): number => {
    const h = javaStringHashCode(text);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return list
    .map((text, index) => ({ text, index, bucket: bucketOf(text) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.text);
}

/** `HashMap.tableSizeFor`: the smallest power of two ≥ n. */
function tableSizeFor(n: number): number {
  let size = 1;
  while (size < n) {
    size *= 2;
  }
  return size;
}
