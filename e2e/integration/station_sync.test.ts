import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, openSampleElection, unwrap, type RidingCode, type StationId } from '@scrutin/shared';
import { SealedBatchExportSchema, openBatchExport } from '@scrutin/shared/protocol';
import {
  ElectionEventLogSchema,
  checkClosingReport,
  readAuditLog,
  verifyAuditLog,
  verifyClosingReport,
  type StationEvent,
} from '@scrutin/desktop';
import {
  GOOD_PIN,
  TestClock,
  ballotFor,
  castFor,
  makeCredentials,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from '@scrutin/desktop/testing';
import { importBatches, importDepsOf, importSealedBatches } from '@scrutin/server';
import type { TestCentral } from '@scrutin/server/testing';
import { centralBallots, enrolledStation, startCentralFor } from './central.test-support.ts';

/** The station's sync engine, USB export and closing report against a real central server. */
let credentials: CredentialsFixture;
let central: TestCentral;
beforeAll(async () => {
  credentials = await makeCredentials(openSampleElection());
  central = await startCentralFor(credentials);
});
afterAll(async () => {
  await central.stop();
  removeTempDirs();
});

/** The choices castFor casts for cards `from` to `to` (exclusive) of a riding, canonical and sorted. */
const castChoices = (riding: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) =>
    canonicalJson(ballotFor(credentials.election, riding as RidingCode, from + i).selections),
  ).sort();

describe('sync with the real central server', () => {
  it('holds the anonymity set back while open, seals the rest final at closing, and central counts each ballot once', async () => {
    const id = 'ST-00007' as StationId;
    const station = await enrolledStation(central, credentials, id, new TestClock(Date.now()));
    const events: StationEvent[] = [];
    station.subscribe((e) => events.push(e));
    const cards = credentials.cards(id);
    // k = 2 in the sample election: fewer than 2k ballots wait.
    await castFor(station, credentials.election, cards.slice(0, 3));
    expect(unwrap(await station.syncNow({}))).toMatchObject({ state: 'waiting', pendingBallots: 3, syncedBallots: 0 });
    await castFor(station, credentials.election, cards.slice(3, 23), 3);
    expect(unwrap(await station.syncNow({}))).toMatchObject({ state: 'waiting', pendingBallots: 2, syncedBallots: 21, batchesSynced: 1 });
    await castFor(station, credentials.election, cards.slice(23, 26), 23);
    expect(unwrap(await station.syncNow({}))).toMatchObject({ state: 'waiting', pendingBallots: 2, syncedBallots: 24 });
    unwrap(await station.closePolls({ pin: GOOD_PIN }));
    const progress = unwrap(await station.syncNow({}));
    expect(progress).toMatchObject({ state: 'idle', pendingBallots: 0, syncedBallots: 26, batchesSynced: 3 });
    expect(progress.lastSyncAt).not.toBeNull();
    expect(events.some((e) => e.kind === 'sync-progress' && e.progress.state === 'syncing')).toBe(true);

    expect((await centralBallots(central, id, 'MONTREAL-CENTRE', 26)).sort()).toEqual(castChoices('MONTREAL-CENTRE', 0, 26));
    const status = (await (
      await fetch(`${central.central.url}/api/v1/sync/status?election=${credentials.election.id}&station=${id}`)
    ).json()) as { closed: boolean };
    expect(status.closed).toBe(true);
    const check = unwrap(await station.checkConnection({}));
    expect(check).toMatchObject({ reachable: true, enrolled: true, lastAcknowledgedSequence: 3, clockWarning: false });
    expect(Math.abs(check.clockSkewMs ?? Infinity)).toBeLessThan(5_000);

    // The closing report: counts, the station's own tally, signed; and its printable page.
    expect(await station.closingReport({ pin: '000000' })).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    const report = unwrap(await station.closingReport({ pin: GOOD_PIN }));
    expect(report.body).toMatchObject({
      station: id,
      votersCheckedIn: 26,
      ballotsCast: 26,
      ballotsSynced: 26,
      ballotsPending: 0,
      batchesSynced: 3,
    });
    expect(report.body.pollsOpenedAt).not.toBeNull();
    expect(report.body.pollsClosedAt).not.toBeNull();
    for (const tape of report.body.tape) expect(tape.blank + tape.counts.reduce((n, c) => n + c.votes, 0)).toBe(26);
    expect(verifyClosingReport(report)).toBe(true);
    expect(verifyClosingReport({ ...report, body: { ...report.body, ballotsCast: 27 } })).toBe(false);
    const log = readAuditLog(station.db);
    expect(log.at(-1)?.event).toBe('closing-report');
    expect(report.body.auditLogHead).toBe(log.at(-2)?.hash);
    expect(report.html).toContain('Rapport de clôture');
    expect(report.html).toContain('Closing report');
    expect(report.html).toContain('@media print');
    expect(report.html).not.toMatch(/<script|https?:\/\//);
    expect(existsSync(join(station.db.name, '..', `closing-report-${id}.html`))).toBe(true);
    // The signed report the station keeps, read back: the live election's, its mode signed with it.
    const kept: unknown = JSON.parse(readFileSync(join(station.db.name, '..', `closing-report-${id}.json`), 'utf8'));
    expect(checkClosingReport(kept, credentials.election)).toMatchObject({ ok: true, value: { mode: 'live', ballotsCast: 26 } });
    const relabelled = { ...report, body: { ...report.body, mode: 'test' as const } };
    expect(checkClosingReport(relabelled, { ...credentials.election, mode: 'test' })).toEqual({
      ok: false,
      error: { kind: 'bad-signature' },
    });

    // The audit log as a NIST SP 1500-101 event log.
    const cdf = ElectionEventLogSchema.parse(station.auditExport());
    const events1500 = cdf.Device[0]!.Event;
    expect(events1500.map((e) => e.Id)).toEqual(log.map((e) => e.event));
    expect(events1500.filter((e) => e.Id === 'batch-synced')).toHaveLength(3);
    expect(verifyAuditLog(station.db).ok).toBe(true);
    station.close();
  });

  it('exports unsynced batches to a sealed file that import-batches opens, with the same idempotency as the network', async () => {
    const id = 'ST-00016' as StationId;
    let online = true;
    const flaky: typeof fetch = (input, init) =>
      online ? fetch(input, init) : Promise.reject(new TypeError('fetch failed: the network is down'));
    const station = await enrolledStation(central, credentials, id, new TestClock(Date.now()), { fetch: flaky });
    online = false;
    await castFor(station, credentials.election, credentials.cards(id).slice(0, 15));
    unwrap(await station.closePolls({ pin: GOOD_PIN }));
    expect(unwrap(await station.syncNow({}))).toMatchObject({ state: 'offline', pendingBallots: 15 });
    expect(unwrap(await station.status({})).sync.lastError?.en).toMatch(/cannot be reached/);

    // The poll worker chooses the USB key from the list (a temporary folder in tests); there is no path to give.
    const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
    const exported = unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id }));
    expect(exported).toMatchObject({ batches: 1, ballots: 15 });
    const text = readFileSync(exported.path, 'utf8');
    const sealed = SealedBatchExportSchema.parse(JSON.parse(text));
    const ctx = central.central.ctx;
    // A lost stick: none of the station's credentials, tracking codes or choices is in the file.
    const opened = await openBatchExport(sealed, ctx.centralExportKey.privateKeyPem);
    if (!opened.ok) throw new Error(`the export did not open: ${opened.error.kind}`);
    const envelopes = opened.value.body.batches.flatMap((b) => b.envelopes);
    expect(envelopes).toHaveLength(15);
    for (const e of envelopes) {
      expect(text).not.toContain(e.credential);
      expect(text).not.toContain(e.tracking);
      expect(text).not.toContain(JSON.stringify(e.ballot.selections));
    }
    const deps = importDepsOf(ctx);
    const imported = await importSealedBatches(deps, sealed);
    expect(imported).toMatchObject({ station: id, refused: [], alreadyReceived: 0 });
    expect((await importSealedBatches(deps, sealed)).alreadyReceived).toBe(1);
    expect((await importBatches(deps, opened.value)).alreadyReceived).toBe(1);

    // Back online: the station resends, central recognises the batch, the receipt is the import's.
    online = true;
    expect(unwrap(await station.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 15, pendingBallots: 0 });
    const stored = station.db.prepare<[], { receipt: string }>('SELECT receipt FROM batches').get()!;
    expect(JSON.parse(stored.receipt)).toEqual(imported.receipts[0]);
    expect((await centralBallots(central, id, 'SHERBROOKE', 15)).sort()).toEqual(castChoices('SHERBROOKE', 0, 15));
    // Nothing left to export: said as such, in one language per text, with no USB key to blame (issue 13).
    const nothing = await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id });
    expect(nothing).toMatchObject({ ok: false, error: { kind: 'nothing-to-export', heldBack: 0 } });
    if (nothing.ok) throw new Error('exported');
    expect(nothing.error.message).toEqual({
      fr: 'Rien à exporter\u00a0: le serveur central a déjà reçu tous les bulletins de ce bureau.',
      en: 'Nothing to export: the central server has already received every ballot of this station.',
    });
    expect(readAuditLog(station.db).map((e) => e.event)).toEqual(
      expect.arrayContaining(['batches-exported', 'export-failed', 'batch-synced']),
    );
    station.close();
  });

  it('reconciles after a restart: a batch central received but whose receipt was lost gets its receipt by resending', async () => {
    const id = 'ST-00010' as StationId;
    const dataDir = tempDir();
    const clock = new TestClock(Date.now());
    let loseAnswers = false;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (loseAnswers) throw new Error('the station was switched off before reading the answer');
      return response;
    };
    const first = await enrolledStation(central, credentials, id, clock, { fetch: lossy, dataDir });
    await castFor(first, credentials.election, credentials.cards(id).slice(0, 12));
    loseAnswers = true;
    expect(unwrap(await first.syncNow({}))).toMatchObject({ state: 'offline', syncedBallots: 0, pendingBallots: 12 });
    first.close();

    // Ten were sealed (two held back, k = 2); their answer was lost.
    const restarted = openTestStation(dataDir, clock, fetch, { autoSync: false });
    expect(unwrap(await restarted.status({})).sync).toMatchObject({ pendingBallots: 12, syncedBallots: 0 });
    expect(unwrap(await restarted.syncNow({}))).toMatchObject({ state: 'waiting', syncedBallots: 10, pendingBallots: 2, batchesSynced: 1 });
    expect(await centralBallots(central, id, 'MONTREAL-NORD', 10)).toHaveLength(10);
    const { rows } = await central.central.ctx.services.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM batches WHERE station_id = $1',
      [id],
    );
    expect(rows[0]?.n).toBe('1');
    restarted.close();
  });
});
