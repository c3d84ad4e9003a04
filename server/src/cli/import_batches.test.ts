import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StationId } from '@scrutin/shared/node';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.ts';
import type { ImportReport } from '../sync/import.ts';
import { importFile } from './import_batches.ts';

// The import itself, end to end on the real services, is in server/src/sync/import.test.ts. This
// is how one file's failure is classified: the file's own fault is its error and the run goes on
// to the next file; anything else (a service lost mid-run) stops the run.
const dir = mkdtempSync(join(tmpdir(), 'scrutin-import-file-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const report: ImportReport = { station: 'ST-00001' as StationId, receipts: [], alreadyReceived: 0, refused: [] };

function fileWith(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('importFile', () => {
  it('imports a readable file and gives the report', async () => {
    const seen: unknown[] = [];
    const outcome = await importFile(fileWith('good.json', '{"sealed":true}'), (json) => {
      seen.push(json);
      return Promise.resolve(report);
    });
    expect(outcome).toEqual({ ok: true, value: report });
    expect(seen).toEqual([{ sealed: true }]);
  });

  it('a missing or unparsable file is that file’s error, and nothing is imported', async () => {
    let calls = 0;
    const importJson = () => {
      calls += 1;
      return Promise.resolve(report);
    };
    const missing = await importFile(join(dir, 'absent.json'), importJson);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toMatch(/^cannot read it: .*ENOENT/);
    const garbled = await importFile(fileWith('garbled.json', '{"sealed":'), importJson);
    expect(garbled.ok).toBe(false);
    if (!garbled.ok) expect(garbled.error).toMatch(/^cannot read it: .*JSON/);
    expect(calls).toBe(0);
  });

  it('a refusal (an ApiError) is that file’s error, with its code', async () => {
    const outcome = await importFile(fileWith('foreign.json', '{}'), () =>
      Promise.reject(new ApiError('forbidden', 'sealed for another central')),
    );
    expect(outcome).toEqual({ ok: false, error: 'forbidden: sealed for another central' });
  });

  it('anything else (a service lost) is thrown, so the run stops instead of calling the file bad', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    await expect(importFile(fileWith('mid-run.json', '{}'), () => Promise.reject(lost))).rejects.toBe(lost);
  });
});
