import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../result.ts';
import { readCdfJson, type CdfJsonOptions } from './cdf_json.ts';

const CONFORMANCE_DIR = resolve(import.meta.dirname, '../../../../shared/conformance/rctab');
const file1 = JSON.parse(readFileSync(resolve(CONFORMANCE_DIR, '_shared/cdf_json/cdf_json_file1_cvr.json'), 'utf8')) as {
  CVR: unknown[];
};

const options: CdfJsonOptions = {
  file: 'cdf_json_file1_cvr.json',
  contestName: 'aliases file 1',
  overvoteLabel: '',
  candidateSpellings: new Set(['Candidate A Name File 1', 'Candidate B Name File 1', 'Candidate C Name File 1', 'Candidate D Name File 1']),
  undeclaredWriteIns: false,
  maxRankingsAllowed: 4,
};

describe('readCdfJson', () => {
  it("reads each CVR's current snapshot, rank by rank (a duplicate stays a duplicate)", () => {
    const ballots = unwrap(readCdfJson(file1, options));
    expect(ballots).toHaveLength(15);
    expect(ballots[0]?.ranking).toEqual([
      { rank: 1, marks: [{ kind: 'candidate', name: 'Candidate D Name File 1' }] },
      { rank: 2, marks: [{ kind: 'candidate', name: 'Candidate D Name File 1' }] },
      { rank: 3, marks: [{ kind: 'candidate', name: 'Candidate A Name File 1' }] },
    ]);
  });

  it('maps the overvote label to the overvote marker', () => {
    const ballots = unwrap(readCdfJson(file1, { ...options, overvoteLabel: 'Candidate D Name File 1' }));
    expect(ballots[0]?.ranking[0]?.marks).toEqual([{ kind: 'overvote' }]);
  });

  it('refuses a missing contest, an unknown candidate and a rank above the maximum', () => {
    expect(readCdfJson(file1, { ...options, contestName: 'nope' })).toMatchObject({
      ok: false,
      error: { problem: 'no contest named "nope"' },
    });
    const unknown = readCdfJson(file1, { ...options, candidateSpellings: new Set(['Candidate A Name File 1']) });
    expect(unknown).toMatchObject({ ok: false, error: { location: 'CVR 1 (ballot id 1)' } });
    const tooHigh = readCdfJson(file1, { ...options, maxRankingsAllowed: 3 });
    expect(tooHigh).toMatchObject({
      ok: false,
      error: { location: 'CVR 2 (ballot id 2)', problem: 'rank 4 exceeds maxRankingsAllowed (3)' },
    });
    expect(readCdfJson({ CVR: 'nope' }, options)).toMatchObject({ ok: false, error: { kind: 'invalidCvr' } });
  });
});
