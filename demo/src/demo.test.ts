import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { castBallotOf, kdfOf, newTrackingCode, parseNas, parseVoterCode, StationIdSchema, unwrap, type Contest } from '@scrutin/shared';
import { deriveCredential } from '@scrutin/shared/crypto';
import type { Envelope } from '@scrutin/shared/protocol';
import { stationApiOver } from '@scrutin/desktop/api/client';
import { webSocketTransport } from '@scrutin/desktop/api/ws-transport';
import { StationClient } from '@scrutin/server';
import { ballotFor, enrolmentToken } from '@scrutin/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startKioskDemo, type KioskDemo } from './demo.ts';

/**
 * `npm start`, smoke-tested: start, vote once through a kiosk's host API, see it counted; a
 * station enrolled by hand and a load from `scrutin simulate` counted exactly; stop.
 */
let demo: KioskDemo;
const steps: string[] = [];

beforeAll(async () => {
  demo = await startKioskDemo({
    centralPort: 0,
    kioskPort: 0,
    onProgress: (step) => steps.push(step.kind === 'station' ? `station ${step.station}` : step.kind),
  });
}, 240_000);

afterAll(async () => {
  await demo.stop();
});

function selectionFor(contest: Contest) {
  if (contest.kind === 'referendum') return { kind: 'referendum', contest: contest.id, choice: 'oui' } as const;
  const first = contest.candidates[0]?.id ?? null;
  return contest.method === 'irv'
    ? ({ kind: 'ranked', contest: contest.id, ranking: first === null ? [] : [first] } as const)
    : ({ kind: 'plurality', contest: contest.id, choice: first } as const);
}

describe('npm start', () => {
  it('tells each step of its start-up as it begins', () => {
    expect(steps).toEqual(['building', 'central', 'election', 'station ST-00001', 'station ST-00007']);
  });

  it('opens two enrolled stations with their polls open, with printed cards', async () => {
    expect(demo.central.ctx.services.mode).toBe('embedded');
    expect(demo.stations.map((s) => s.station)).toEqual(['ST-00001', 'ST-00007']);
    for (const s of demo.stations) {
      const status = unwrap(await s.backend.status({}));
      expect(status).toMatchObject({ polls: 'open', kit: { station: s.station } });
      expect(status.enrolledAt).not.toBeNull();
      expect(s.cards.length).toBeGreaterThan(0);
      expect((await fetch(s.host.url)).status).toBe(200);
    }
  });

  it('takes votes through a kiosk and shows them in the central results, k at a time (the anonymity set)', async () => {
    const [kiosk] = demo.stations;
    if (kiosk === undefined) throw new Error('no kiosk');
    const transport = webSocketTransport((handlers) => {
      const socket = new WebSocket(`ws://127.0.0.1:${kiosk.host.port}/api`, { origin: `http://127.0.0.1:${kiosk.host.port}` });
      socket.on('open', handlers.onOpen);
      socket.on('message', (data: Buffer) => {
        handlers.onMessage(data.toString('utf8'));
      });
      socket.on('close', handlers.onClose);
      return socket;
    });
    const api = stationApiOver(transport);
    const status = unwrap(await api.status({}));
    // The demo election's anonymity set is k = 2: four ballots make a batch of two; two wait.
    for (const card of kiosk.cards.slice(0, 4)) {
      const checkIn = unwrap(await api.checkIn(card));
      const ballot = {
        id: '0'.repeat(32),
        election: status.kit?.election,
        riding: checkIn.riding,
        selections: checkIn.contests.map(selectionFor),
      };
      const receipt = unwrap(await api.cast({ ticket: checkIn.ticket, ballot })).receipt;
      expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    }
    const counted = async () =>
      ((await (await fetch(`${demo.central.url}/api/v1/elections/qc-demo-2026/results`)).json()) as { turnout: { ballots: number } })
        .turnout.ballots;
    await expect.poll(counted, { timeout: 30_000 }).toBe(2);
    // The station marks the batch synced once it holds the receipt (and its sealed copy): soon after central counts it.
    await expect.poll(async () => unwrap(await api.status({})).pendingSync, { timeout: 30_000 }).toBe(2);
    transport.close();
  }, 60_000);
});

interface Results {
  readonly turnout: { readonly ballots: number };
  readonly referendums: readonly { readonly national: { readonly counts: { readonly oui: number } } }[];
}

const results = async (): Promise<Results> =>
  (await (await fetch(`${demo.central.url}/api/v1/elections/qc-demo-2026/results`)).json()) as Results;

describe('npm start (embedded mode)', () => {
  it('runs without Postgres, Redis or RabbitMQ', () => {
    expect(demo.central.ctx.services.mode).toBe('embedded');
    expect(demo.central.ctx.services.db.engine).toBe('pglite');
  });

  it('takes a station from enrolment to counted ballots with its printed voter cards, a card used twice counted once', async () => {
    const station = StationIdSchema.parse('ST-00002');
    const election = (await demo.central.ctx.elections.get(demo.election.credentials.election.id))!;
    const client = new StationClient(demo.central.url, election.id, station);
    await client.enrol(await enrolmentToken(demo.central, election.id, station));
    const riding = election.stations.find((s) => s.id === station)!.riding;
    const envelopes: Envelope[] = demo.election.credentials
      .cards(station)
      .slice(0, 3)
      .map((card) => ({
        credential: deriveCredential(election.id, unwrap(parseNas(card.nas)), unwrap(parseVoterCode(card.code)), kdfOf(election)),
        tracking: newTrackingCode(),
        ballot: castBallotOf(ballotFor(election, riding, () => 0)),
      }));
    const before = await results();
    // The same card twice in the batch: counted once.
    const again: Envelope = {
      credential: envelopes[0]!.credential,
      tracking: newTrackingCode(),
      ballot: castBallotOf(ballotFor(election, riding, () => 1)),
    };
    const outcome = await client.send(client.nextBatch([...envelopes, again]));
    expect(outcome.kind).toBe('accepted');

    await expect.poll(async () => (await results()).turnout.ballots, { timeout: 30_000 }).toBe(before.turnout.ballots + envelopes.length);
    const after = await results();
    expect(after.referendums[0]?.national.counts.oui).toBe((before.referendums[0]?.national.counts.oui ?? 0) + envelopes.length);
  }, 60_000);

  it('builds the kit of another station from the console (the demo’s credentials are its finished job), and refuses a second set', async () => {
    const url = demo.central.url;
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demo.official),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    const latest = await fetch(`${url}/api/v1/admin/elections/qc-demo-2026/credentials/jobs/latest`, { headers });
    expect(((await latest.json()) as { job: { phase: string } | null }).job?.phase).toBe('done');
    const kit = await fetch(`${url}/api/v1/admin/elections/qc-demo-2026/stations/ST-00004/kit`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        pollWorkers: [
          { name: 'Camille Roy', pin: '246810' },
          { name: 'Alex Martin', pin: '135790' },
        ],
      }),
    });
    expect(kit.status).toBe(200);
    expect(kit.headers.get('content-type')).toBe('application/x-tar');
    expect((await kit.arrayBuffer()).byteLength).toBeGreaterThan(1024);
    // A second set of cards would give every voter two: still refused, with its code.
    const again = await fetch(`${url}/api/v1/admin/elections/qc-demo-2026/credentials/jobs`, { method: 'POST', headers });
    expect(again.status).toBe(409);
  }, 60_000);

  it('takes a load from scrutin simulate, set up through the officials API, and shows exactly what was sent', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        fileURLToPath(import.meta.resolve('@scrutin/server/bin/scrutin.js')),
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
  }, 120_000);

  it('votes into the demo election with the simulate command its banner prints, on stations no kiosk uses', async () => {
    const before = await results();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fileURLToPath(import.meta.resolve('@scrutin/server/bin/scrutin.js')), ...demo.simulateArgs],
      { env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    const report = JSON.parse(stdout) as {
      election: string;
      stations: string[];
      exact: boolean;
      mismatches: string[];
      shown: { accepted: number };
    };
    expect(report.election).toBe('qc-demo-2026');
    // ST-00001 and ST-00007 are the kiosks, ST-00002 is enrolled by hand above: the next three.
    expect(report.stations).toEqual(['ST-00003', 'ST-00004', 'ST-00005']);
    expect(report.mismatches).toEqual([]);
    expect(report.exact).toBe(true);
    expect(report.shown.accepted).toBe(150);
    expect((await results()).turnout.ballots).toBe(before.turnout.ballots + 150);
  }, 180_000);
});
