import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarArchive } from './tar.ts';

describe('the ustar writer', () => {
  it('writes an archive that tar(1) lists and extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrutin-tar-'));
    try {
      const shard = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 251));
      const archive = tarArchive([
        { name: 'ST-00042/kit.json', data: Buffer.from('{"format":"scrutin/station-kit"}\n'), mtime: new Date('2026-10-05T12:00:00Z') },
        { name: 'ST-00042/shard.sqlite', data: shard, mtime: new Date('2026-10-05T12:00:00Z') },
      ]);
      expect(archive.length % 512).toBe(0);
      writeFileSync(join(dir, 'kit.tar'), archive);
      expect(execFileSync('tar', ['-tf', 'kit.tar'], { cwd: dir, encoding: 'utf8' }).trim().split('\n')).toEqual([
        'ST-00042/kit.json',
        'ST-00042/shard.sqlite',
      ]);
      execFileSync('tar', ['-xf', 'kit.tar'], { cwd: dir });
      expect(readFileSync(join(dir, 'ST-00042/shard.sqlite')).equals(shard)).toBe(true);
      expect(readFileSync(join(dir, 'ST-00042/kit.json'), 'utf8')).toBe('{"format":"scrutin/station-kit"}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
