import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { canonicalJson, credentialHash, type Envelope, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';

/**
 * Ballot secrecy (ARCHITECTURE.md invariant 3), checked after a real run: no table, log
 * line or metric links a credential hash to a choice, no message survives in the queue, and
 * the stored ballots cannot be put back in cast order.
 */
const election = openSampleElection();
const voters = votersOf(election, 80);
const STATION = 'ST-00007' as StationId; // MONTREAL-CENTRE: a ranked race
const mine = voters.filter((v) => v.station === STATION);
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    done();
  },
});
let t: TestCentral;
let sent: Envelope[];

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true, logDestination: capture, env: { LOG_LEVEL: 'trace', METRICS_PORT: '0' } });
  const { db } = t.central.ctx.services;
  const client = await openWithStation(t, election, voters, STATION);
  // 60 ballots in a known cast order, plus two reused credentials (duplicate attempts).
  sent = mine.slice(0, 60).map((v, i) => envelopeFor(election, v, (n) => i % n));
  expect((await client.send(client.nextBatch(sent))).kind).toBe('accepted');
  expect((await client.send(client.nextBatch([envelopeFor(election, mine[0]!), envelopeFor(election, mine[1]!)]))).kind).toBe('accepted');
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'");
    if (rows[0]?.n === '2') break;
    await sleep(50);
  }
});

afterAll(async () => {
  await t.stop();
});

describe('ballot secrecy', () => {
  it('has no table that can hold a credential and a choice together, nor a cast time or order for ballots', async () => {
    const { rows } = await t.central.ctx.services.db.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const columns = new Map<string, Set<string>>();
    for (const r of rows) columns.set(r.table_name, (columns.get(r.table_name) ?? new Set()).add(r.column_name));
    for (const [table, cols] of columns) {
      const credential = [...cols].some((c) => c.includes('credential'));
      const choice = [...cols].some((c) => ['selections', 'option', 'pattern', 'choice', 'ranking'].includes(c));
      expect(credential && choice, `table ${table} links credentials and choices`).toBe(false);
    }
    for (const ballotsTable of [...columns.keys()].filter((n) => n.startsWith('ballots'))) {
      expect([...(columns.get(ballotsTable) ?? [])].sort()).toEqual(['ballot_id', 'election_id', 'riding', 'selections']);
    }
  });

  it('stores no row with both a credential hash and a candidate or answer', async () => {
    const { db } = t.central.ctx.services;
    const { rows: tables } = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const candidates = election.contests.flatMap((c) => (c.kind === 'candidate' ? c.candidates.map((k) => k.id) : ['"oui"', '"non"']));
    // Credentials never reach a table; their check values do, and must stand alone.
    const credentials = new Set(sent.flatMap((e) => [e.credential as string, credentialHash(e.credential)]));
    let scanned = 0;
    for (const { table_name } of tables) {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table_name} t`);
      for (const { row } of rows) {
        scanned += 1;
        const hexes = [...row.matchAll(/\\\\x([0-9a-f]{64})|"([0-9a-f]{64})"/g)].map((m) => m[1] ?? m[2]);
        if (!hexes.some((h) => h !== undefined && credentials.has(h))) continue;
        for (const c of candidates) expect(row.includes(c), `${table_name}: ${row.slice(0, 120)}`).toBe(false);
      }
    }
    expect(scanned).toBeGreaterThan(60);
  });

  it('logs no credential next to a choice, and no metric carries one', async () => {
    expect(logLines.length).toBeGreaterThan(5);
    const candidates = election.contests.flatMap((c) => (c.kind === 'candidate' ? c.candidates.map((k) => k.id) : []));
    for (const line of logLines) {
      const credential = sent.some((e) => line.includes(e.credential) || line.includes(credentialHash(e.credential)));
      const choice = candidates.some((c) => line.includes(c));
      expect(credential && choice, line.slice(0, 200)).toBe(false);
    }
    const metricsUrl = t.central.metricsUrl;
    if (metricsUrl === undefined) throw new Error('no admin listener');
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    const metrics = await response.text();
    expect(metrics).toContain('scrutin_');
    expect(metrics).not.toMatch(/[0-9a-f]{64}/);
    for (const c of candidates) expect(metrics.includes(c)).toBe(false);
  });

  it('leaves no message in the queue once the batches are counted', async () => {
    expect(await t.central.ctx.services.broker.depths()).toEqual({ queued: 0, deadLettered: 0 });
  });

  it('does not keep the cast order of ballots, by storage order or by id, and ids are central’s own', async () => {
    const { db } = t.central.ctx.services;
    // The station sends no ballot id at all (the format refuses one); central draws its own.
    const castOrder: string[] = sent.map((e) => canonicalJson(e.ballot.selections));
    const heap = (await db.query<{ s: string }>('SELECT selections::text AS s FROM ballots ORDER BY tableoid, ctid')).rows.map((r) =>
      canonicalJson(JSON.parse(r.s)),
    );
    const byId = (await db.query<{ s: string }>('SELECT selections::text AS s FROM ballots ORDER BY ballot_id')).rows.map((r) =>
      canonicalJson(JSON.parse(r.s)),
    );
    expect(heap).toHaveLength(60);
    expect(heap).not.toEqual(castOrder);
    expect(byId).not.toEqual(castOrder);
    expect([...heap].sort()).toEqual([...castOrder].sort());
  });
});
