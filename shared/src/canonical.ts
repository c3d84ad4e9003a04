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
  // Fast path: rebuild the value with keys inserted in sorted order and let the engine's
  // JSON.stringify write it (keys then come out in insertion order). Objects with
  // integer-like keys, which engines always list first, take the general path.
  const sorted = sortedClone(value);
  return sorted === INTEGER_KEYS ? canonicalJsonGeneral(value) : JSON.stringify(sorted);
}

const INTEGER_KEYS = Symbol('integer-like keys');
const INTEGER_LIKE = /^(?:0|[1-9][0-9]*)$/;

function sortedClone(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i += 1) {
          const item = sortedClone(value[i]);
          if (item === INTEGER_KEYS) return INTEGER_KEYS;
          out[i] = item;
        }
        return out;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        if (INTEGER_LIKE.test(key)) return INTEGER_KEYS;
        const v = record[key];
        if (v === undefined) continue;
        const item = sortedClone(v);
        if (item === INTEGER_KEYS) return INTEGER_KEYS;
        out[key] = item;
      }
      return out;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

/** The general serialiser: any JSON value, keys written in sorted order one by one. */
function canonicalJsonGeneral(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonicalJsonGeneral(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = record[key];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJsonGeneral(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

const encoder = new TextEncoder();

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
