import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { credentialHash, parseNas, parseVoterCode, unwrap, type Envelope } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { ballotFor } from '../testing/fixtures.ts';
import { startDemo, type Demo } from './demo.ts';

/** Smoke test of the whole flow in embedded mode (PGlite, in-process broker and validator). */
let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({ port: 0 });
});

afterAll(async () => {
  await demo.central.stop();
});

describe('npm start (embedded mode)', () => {
  it('runs without Postgres, Redis or RabbitMQ', () => {
    expect(demo.central.ctx.services.mode).toBe('embedded');
    expect(demo.central.ctx.services.db.engine).toBe('pglite');
  });

  it('takes a station from enrolment to counted ballots with the printed voter cards', async () => {
    const [station, token] = [...demo.tokens][0]!;
    const election = (await demo.central.ctx.elections.get('qc-demo-2026' as never))!;
    const client = new StationClient(demo.central.url, election.id, station);
    await client.enrol(token);
    const riding = election.stations.find((s) => s.id === station)!.riding;
    const envelopes: Envelope[] = demo.cards
      .filter((c) => c.station === station)
      .map((card) => ({
        credentialHash: credentialHash(election.id, unwrap(parseNas(card.nas)), unwrap(parseVoterCode(card.code))),
        ballot: ballotFor(election, riding, () => 0),
      }));
    // The same card twice in the batch: counted once.
    const again: Envelope = { credentialHash: envelopes[0]!.credentialHash, ballot: ballotFor(election, riding, () => 1) };
    const outcome = await client.send(client.nextBatch([...envelopes, again]));
    expect(outcome.kind).toBe('accepted');

    let results: { turnout: { ballots: number }; referendums: { national: { counts: { oui: number } } }[] } | undefined;
    for (let i = 0; i < 100 && (results?.turnout.ballots ?? 0) < envelopes.length; i += 1) {
      await sleep(100);
      results = (await (await fetch(`${demo.central.url}/api/v1/elections/${election.id}/results`)).json()) as typeof results;
    }
    expect(results?.turnout.ballots).toBe(envelopes.length);
    expect(results?.referendums[0]?.national.counts.oui).toBe(envelopes.length);
  });

  it('takes a load from scrutin simulate, set up through the officials API, and shows exactly what was sent', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/scrutin.js'),
        'simulate',
        '--url',
        demo.central.url,
        '--stations',
        '6',
        '--ballots',
        '300',
        '--batch-size',
        '25',
        '--admin-password',
        demo.official.password,
      ],
      { env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    const report = JSON.parse(stdout) as {
      exact: boolean;
      mismatches: string[];
      shown: { accepted: number };
      expected: { accepted: number; duplicates: number };
    };
    expect(report.mismatches).toEqual([]);
    expect(report.exact).toBe(true);
    expect(report.shown.accepted).toBe(300);
  });
});
