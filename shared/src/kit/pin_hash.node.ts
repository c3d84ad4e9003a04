import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PIN_PATTERN } from './station_kit.ts';

/**
 * Poll-worker PIN hashes for station kits: scrypt, `scrypt$N$r$p$salt$hash` (salt and hash in
 * base64, 32-byte key). Made centrally when a kit is built, checked by the station.
 */
export const DEFAULT_PIN_COST = { N: 1 << 15, r: 8, p: 1 } as const;
export type PinCost = { readonly N: number; readonly r: number; readonly p: number };
const KEY_LENGTH = 32;

function scryptAsync(pin: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hashes a PIN for a station kit. `cost` is for tests only; kits use the default. */
export async function hashPin(pin: string, cost: PinCost = DEFAULT_PIN_COST): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new Error('a poll-worker PIN is 6 to 12 digits');
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPin(pin: string, pinHash: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = pinHash.split('$');
  if (scheme !== 'scrypt' || n === undefined || r === undefined || p === undefined || salt === undefined || expected === undefined)
    return false;
  const want = Buffer.from(expected, 'base64');
  const got = await scryptAsync(pin, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}
