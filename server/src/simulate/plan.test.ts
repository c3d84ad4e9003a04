import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialHash, openSampleElection, StationIdSchema } from '@scrutin/shared/node';
import { afterAll, describe, expect, it } from 'vitest';
import { readCentralFile } from '../credentials/central_file.ts';
import { generateCredentials } from '../credentials/generate.ts';
import { readStationCards } from './cards.ts';
import { makeCardPlan } from './plan.ts';
import { compare, type ResultsView } from './run.ts';

/** `scrutin simulate --election --cards`: ballots cast with printed cards, counted against a baseline. */
const dir = mkdtempSync(join(tmpdir(), 'scrutin-sim-cards-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a plan from printed cards', () => {
  it('derives each credential as a kiosk does: central already holds its check value', async () => {
    const election = openSampleElection();
    const generated = await generateCredentials({ election, outDir: dir, workers: 1 });
    if (!generated.ok) throw new Error(generated.error.kind);
    const stations = ['ST-00003', 'ST-00004'].map((id) => {
      const station = StationIdSchema.parse(id);
      const cards = readStationCards(dir, station);
      if (cards === null) throw new Error(`no cards for ${id}`);
      return { station, cards };
    });
    expect(readStationCards(dir, StationIdSchema.parse('ST-99999'))).toBeNull();
    const plan = makeCardPlan({ election, stations, ballots: 41, duplicateShare: 0, invalidShare: 0 });
    expect(plan.stations.map((s) => s.envelopes.length)).toEqual([21, 20]);
    expect(plan.expected.accepted).toBe(41);
    const central = new Map<string, string>();
    for await (const entry of readCentralFile(join(dir, generated.value.central.file))) central.set(entry.credential, entry.station);
    for (const s of plan.stations) for (const e of s.envelopes) expect(central.get(credentialHash(e.credential))).toBe(s.station);
  }, 60_000);
});

describe('compare', () => {
  const results = (oui: number, non: number, caq: number): ResultsView => ({
    turnout: { ballots: oui + non },
    referendums: [{ contest: 'Q1', national: { counts: { oui, non, blank: 0 } } }],
    ridings: [
      {
        contest: 'R1',
        race: { kind: 'plurality', result: { standings: [{ candidate: 'CAQ', votes: caq }], blank: 0 } },
      },
    ],
  });
  const expected = {
    accepted: 3,
    duplicates: 0,
    invalid: 0,
    counts: new Map([
      [
        'Q1',
        new Map([
          ['oui', 2],
          ['non', 1],
        ]),
      ],
      ['R1', new Map([['CAQ', 3]])],
    ]),
    firstPreferences: new Map<string, Map<string, number>>(),
  };

  it('compares what the run added to the counts before it', () => {
    expect(compare(expected, results(7, 4, 11), results(5, 3, 8))).toEqual([]);
  });

  it('names every count that moved by anything else', () => {
    expect(compare(expected, results(7, 4, 11), results(5, 2, 8))).toEqual(['Q1 non: shown 2, sent 1']);
    expect(compare(expected, results(7, 4, 11))).toEqual([
      'Q1 oui: shown 7, sent 2',
      'Q1 non: shown 4, sent 1',
      'R1 CAQ: shown 11, sent 3',
    ]);
  });
});
