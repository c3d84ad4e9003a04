import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Officials' passwords, hashed with scrypt (memory-hard) and a random 16-byte salt per
 * password. The stored string carries its own parameters, in the PHC string format:
 *
 *   $scrypt$ln=17,r=8,p=1$<salt, base64>$<hash, base64>
 *
 * so the cost can be raised later without invalidating the hashes already stored: an older
 * hash (ln=15 before December 2026) still verifies with its own parameters, and
 * `needsRehash` says to re-hash it at the next successful login.
 *
 * Each derivation takes 128 MiB at the default cost, so at most `MAX_CONCURRENT_DERIVATIONS`
 * run at once (the others queue): a burst of logins cannot exhaust the API's memory.
 */

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/**
 * OWASP's Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1 — 128 MiB and a few hundred
 * milliseconds per hash on a server core.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 17, r: 8, p: 1 };
export const MAX_CONCURRENT_DERIVATIONS = 2;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Bounds on parameters read back from the database, so a tampered row cannot exhaust memory. */
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

/** scrypt needs 128 · N · r bytes (plus a little); node's default `maxmem` (32 MiB) is far short at N = 2^17. */
function maxmem({ logN, r, p }: ScryptParams): number {
  return 128 * 2 ** logN * r + 128 * r * p + 16 * 1024 * 1024;
}

let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_DERIVATIONS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    const options: ScryptOptions = { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: maxmem(params) };
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(password.normalize('NFC'), salt, length, options, (error, key) => {
        if (error === null) resolve(key);
        else reject(error);
      });
    });
  } finally {
    // Hand the slot straight to the next in line, or free it.
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, HASH_BYTES);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

function parseHash(stored: string): ParsedHash | undefined {
  const m = PHC.exec(stored);
  if (m === null) return undefined;
  const [, ln, r, p, salt, hash] = m;
  const params = { logN: Number(ln), r: Number(r), p: Number(p) };
  if (params.logN < 10 || params.logN > MAX_LOG_N || params.r < 1 || params.r > MAX_R || params.p < 1 || params.p > MAX_P) return undefined;
  return { params, salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') };
}

/**
 * Whether `password` matches `stored`, compared in constant time. A malformed stored hash
 * never matches (and is not an exception: the login is simply refused).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const candidate = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/** True when `stored` was made with other parameters than `params` (re-hash it at the next login). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const parsed = parseHash(stored);
  return parsed === undefined || parsed.params.logN !== params.logN || parsed.params.r !== params.r || parsed.params.p !== params.p;
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification without a real hash, so a login for an unknown
 * username takes as long as one for a known username with a wrong password.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('scrutin-dummy-password-for-timing');
  await verifyPassword(password, await dummy);
  return false;
}
