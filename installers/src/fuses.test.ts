import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { applyFuses, electronBinary, FUSE_SETTINGS } from '../electron/after_pack.js';

/**
 * The fuses the afterPack hook (installers/electron/after_pack.js) flips, and what it does to a
 * binary's fuse wire: the real @electron/fuses on a file laid out like Electron's (the sentinel,
 * the wire version, the number of fuses, one byte per fuse).
 */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const dir = mkdtempSync(join(tmpdir(), 'scrutin-fuses-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function binaryWith(name: string, wire: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from('binary before '),
      Buffer.from(SENTINEL),
      Buffer.from([1, wire.length]),
      Buffer.from(wire),
      Buffer.from(' after'),
    ]),
  );
  return path;
}

function wireOf(path: string): string {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(SENTINEL) + SENTINEL.length;
  return bytes.subarray(at + 2, at + 2 + (bytes[at + 1] ?? 0)).toString('latin1');
}

describe('the Electron fuses of a packaged kiosk', () => {
  it('turn off Node.js-as-a-process, NODE_OPTIONS and --inspect, and turn on ASAR integrity, ASAR-only loading and cookie encryption', () => {
    const byName: Record<string, boolean> = {};
    for (const [index, value] of Object.entries(FUSE_SETTINGS)) byName[FuseV1Options[Number(index)] ?? index] = value;
    expect(byName).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
    expect(Object.isFrozen(FUSE_SETTINGS)).toBe(true);
  });

  it('are flipped in the binary, and fuses the hook does not know keep their state', async () => {
    const binary = binaryWith('electron', '101100011');
    await applyFuses(binary);
    expect(wireOf(binary)).toBe('010011001');
    // Idempotent: a second packaging pass leaves the same wire.
    await applyFuses(binary);
    expect(wireOf(binary)).toBe('010011001');
  });

  it('stop the build when this Electron has removed a fuse the kiosk relies on', async () => {
    const binary = binaryWith('removed', '10110r011');
    await expect(applyFuses(binary)).rejects.toThrow('this Electron has removed the fuses OnlyLoadAppFromAsar');
    expect(wireOf(binary)).toBe('10110r011');
  });

  it('stop the build for a binary without a fuse wire, or with a wire too short for them', async () => {
    await expect(applyFuses(join(dir, 'missing'))).rejects.toThrow();
    writeFileSync(join(dir, 'plain'), 'no sentinel here');
    await expect(applyFuses(join(dir, 'plain'))).rejects.toThrow(/sentinel/);
    await expect(applyFuses(binaryWith('short', '10110'))).rejects.toThrow(/not long enough/);
  });

  it('are flipped in the binary electron-builder lays out for each platform', () => {
    const packager = { appInfo: { productFilename: 'ScrutinStation' }, executableName: 'scrutin-station' };
    expect(electronBinary({ appOutDir: '/out/linux-unpacked', electronPlatformName: 'linux', packager })).toBe(
      '/out/linux-unpacked/scrutin-station',
    );
    expect(electronBinary({ appOutDir: '/out/win-unpacked', electronPlatformName: 'win32', packager })).toBe(
      '/out/win-unpacked/ScrutinStation.exe',
    );
    expect(() => electronBinary({ appOutDir: '/out/mac', electronPlatformName: 'darwin', packager })).toThrow('not packaged for darwin');
  });
});
