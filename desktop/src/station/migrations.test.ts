import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.ts';

/** One file per migration: `migrations/NNNN_name.ts`, every one listed in MIGRATIONS, in order. */
const folder = join(import.meta.dirname, 'migrations');
const FILE = /^(\d{4})_([a-z0-9_]+)\.ts$/;

describe('station migrations', () => {
  it('are the files of the migrations folder, numbered from 1 without a gap, each under its own number and name', async () => {
    const files = readdirSync(folder).sort();
    for (const file of files) expect(file, 'a migration file is named NNNN_name.ts').toMatch(FILE);
    expect(files.map((f) => Number(FILE.exec(f)?.[1]))).toEqual(files.map((_, i) => i + 1));
    expect(MIGRATIONS.map((m) => m.version)).toEqual(files.map((_, i) => i + 1));
    for (const [i, file] of files.entries()) {
      const module = (await import(join(folder, file))) as { migration: Migration };
      expect(MIGRATIONS[i], `${file} is listed in MIGRATIONS at its place`).toBe(module.migration);
      expect(`${String(module.migration.version).padStart(4, '0')}_${module.migration.name}.ts`).toBe(file);
    }
    expect(LATEST_SCHEMA_VERSION).toBe(files.length);
  });
});
