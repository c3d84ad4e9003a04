/**
 * Canonical encoding: the JSON Canonicalization Scheme (RFC 8785) as UTF-8 bytes. The same
 * value always gives the same bytes, whatever the key order, so hashes and signatures over
 * ballots and batches are reproducible by any client that implements RFC 8785.
 *
 * RFC 8785 is exactly ECMAScript's JSON.stringify for primitives (its number and string
 * serialisation) with object keys sorted by UTF-16 code units, which is what Array#sort does
 * by default; so this is the whole of it. Values with no JSON form are refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
}

const encoder = new TextEncoder();

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
