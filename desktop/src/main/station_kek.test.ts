import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unwrap } from '@scrutin/shared';
import { KekMessageSchema, loadOrCreateStationKek, type KekFiles, type SafeStorage } from './station_kek.ts';

/** safeStorage as the OS gives it: a key the test holds, the files in memory. */
function fakeOs(options: { available?: boolean; backend?: string } = {}): {
  storage: SafeStorage;
  files: KekFiles & { data: Map<string, Buffer> };
} {
  const osKey = randomBytes(16);
  const xor = (b: Buffer) => Buffer.from(b.map((x, i) => x ^ osKey[i % osKey.length]!));
  const data = new Map<string, Buffer>();
  return {
    storage: {
      isEncryptionAvailable: () => options.available ?? true,
      encryptString: (text) => Buffer.concat([Buffer.from('OSv1'), xor(Buffer.from(text, 'utf8'))]),
      decryptString: (sealed) => {
        if (!sealed.subarray(0, 4).equals(Buffer.from('OSv1'))) throw new Error('not sealed by this user');
        return xor(sealed.subarray(4)).toString('utf8');
      },
      getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    },
    files: {
      data,
      read: (path) => data.get(path),
      createExclusive: (path, bytes) => {
        if (data.has(path)) throw new Error('EEXIST');
        data.set(path, bytes);
      },
    },
  };
}

describe('the Electron shell’s key-encryption key', () => {
  it('is made once, kept only sealed by the OS, and opened again on the next start', () => {
    const { storage, files } = fakeOs();
    const kek = unwrap(loadOrCreateStationKek('/u/station-kek.sealed', storage, files, randomBytes));
    expect(kek).toHaveLength(32);
    const stored = files.data.get('/u/station-kek.sealed')!;
    expect(stored.includes(kek)).toBe(false);
    expect(stored.includes(Buffer.from(kek.toString('base64')))).toBe(false);
    expect(unwrap(loadOrCreateStationKek('/u/station-kek.sealed', storage, files, randomBytes))).toEqual(kek);
    expect(KekMessageSchema.parse({ kind: 'station-kek', kek: kek.toString('base64') }).kek).toBe(kek.toString('base64'));
  });

  it('refuses to start without a real OS key store (none, or Linux basic_text), and a KEK another user sealed', () => {
    expect(loadOrCreateStationKek('/k', fakeOs({ available: false }).storage, fakeOs().files, randomBytes)).toMatchObject({
      ok: false,
      error: { kind: 'os-encryption-unavailable' },
    });
    expect(loadOrCreateStationKek('/k', fakeOs({ backend: 'basic_text' }).storage, fakeOs().files, randomBytes)).toMatchObject({
      ok: false,
      error: { kind: 'os-encryption-unavailable' },
    });
    const { files } = fakeOs();
    files.data.set('/k', Buffer.from('somebody else'));
    expect(loadOrCreateStationKek('/k', fakeOs().storage, files, randomBytes)).toMatchObject({
      ok: false,
      error: { kind: 'kek-unsealable' },
    });
  });
});
