import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import { readStationKit } from './kit_read.node.ts';
import { readFileNoFollow } from './no_follow.node.ts';
import { KIT_FILE, KIT_JSON_MAX_BYTES } from './station_kit.ts';

/**
 * Reading a file of a kit from a drive the station does not control (issue 14): never through a
 * link, and never more than the caller's bound, so that kit.json is bounded whether the kit is
 * picked from the USB drive list or its folder is typed (both read it through readStationKit).
 */
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-no-follow-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('reading a file of a kit, bounded', () => {
  it('reads a file up to its bound, byte for byte, and refuses one byte more unread', () => {
    const dir = tempDir();
    const path = join(dir, 'f.json');
    writeFileSync(path, '0123456789');
    expect(readFileNoFollow(path, 10)).toEqual({ ok: true, value: Buffer.from('0123456789') });
    expect(readFileNoFollow(path, 9)).toEqual({ ok: false, error: { kind: 'too-large', bytes: 10, maxBytes: 9 } });
    writeFileSync(path, '');
    expect(readFileNoFollow(path, 10)).toEqual({ ok: true, value: Buffer.alloc(0) });
  });

  it('refuses a sparse 17 MiB file against a 16 MiB bound without reading it', () => {
    const path = join(tempDir(), 'huge');
    writeFileSync(path, '{');
    truncateSync(path, 17 * 1024 * 1024);
    expect(readFileNoFollow(path, 16 * 1024 * 1024)).toEqual({
      ok: false,
      error: { kind: 'too-large', bytes: 17 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 },
    });
  });

  it('still reads nothing through a link', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(() => readFileNoFollow(join(dir, 'link'), 10)).toThrow(/ELOOP|symbolic link/);
    expect(() => readFileNoFollow(dir, 10)).toThrow(/not a regular file/);
  });
});

describe('kit.json, bounded in the shared reader', () => {
  it('refuses a kit.json over KIT_JSON_MAX_BYTES with a typed error, before parsing it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, KIT_FILE), JSON.stringify({ election: sampleElection() }));
    truncateSync(join(dir, KIT_FILE), 17 * 1024 * 1024);
    expect(KIT_JSON_MAX_BYTES).toBe(16 * 1024 * 1024);
    expect(readStationKit(dir)).toEqual({
      ok: false,
      error: { kind: 'kit-unsafe', reason: 'too-large', file: KIT_FILE, maxBytes: KIT_JSON_MAX_BYTES },
    });
  });

  it('reads a kit.json of the bound exactly (parsed, and refused for what it says, not for its size)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, KIT_FILE), '{}');
    truncateSync(join(dir, KIT_FILE), KIT_JSON_MAX_BYTES);
    expect(readStationKit(dir)).toMatchObject({ ok: false, error: { kind: 'kit-invalid' } });
  });
});
