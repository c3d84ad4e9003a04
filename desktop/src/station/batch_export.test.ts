import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap } from '@scrutin/shared';
import {
  SealedBatchExportSchema,
  generateExportKeyPair,
  generateStationKeyPair,
  openBatchExport,
  verifyBatch,
  verifyBatchExport,
  type ExportKeyPair,
  type PublicKey,
} from '@scrutin/shared/protocol';
import {
  GOOD_PIN,
  IRV_STATION,
  NOW,
  TestClock,
  castFor,
  fixtureElection,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from './fixtures.test-support.ts';
import { readAuditLog } from './audit_log.ts';
import type { StationBackup } from './batch_export.ts';
import { verifyClosingReport } from './closing_report.ts';
import type { Station } from './station.ts';

/**
 * The USB export as a finder of the stick sees it (docs/threat-model.md, adversary B): sealed
 * to central's export key, it shows which station it is from and nothing else; central opens
 * it, a central it was not sealed for cannot.
 */
const central = { receipts: generateStationKeyPair(), exports: generateExportKeyPair() };
const CENTRAL_URL = 'https://central.test';

/** A central that enrols the station, then is out of reach: the polling day the stick is for. */
function unreachableCentral(): { fetch: typeof fetch; stationKey: () => PublicKey } {
  let stationKey: PublicKey | undefined;
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname !== '/api/v1/stations/enrol' || typeof init?.body !== 'string')
        return Promise.reject(new TypeError('fetch failed: the network is down'));
      const body = JSON.parse(init.body) as { station: string; publicKey: PublicKey };
      stationKey = body.publicKey;
      const answer = { station: body.station, enrolledAt: new Date(NOW).toISOString(), centralPublicKey: central.receipts.publicKey };
      return Promise.resolve(new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } }));
    },
    stationKey: () => {
      if (stationKey === undefined) throw new Error('not enrolled');
      return stationKey;
    },
  };
}

let credentials: CredentialsFixture;
beforeAll(async () => {
  credentials = await makeCredentials(fixtureElection());
});
afterAll(removeTempDirs);

const cards = () => credentials.cards(IRV_STATION);

/** The station's drive list is one empty folder (FolderDriveSource): the stick. */
async function firstDrive(station: Station): Promise<{ readonly id: string; readonly device: string }> {
  const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
  if (drive === undefined) throw new Error('no drive');
  return drive;
}

async function closedStation(
  exportKey: ExportKeyPair,
  dataDir = tempDir(),
): Promise<{ station: Station; stationKey: () => PublicKey; receipts: string[]; dataDir: string }> {
  const net = unreachableCentral();
  const station = openTestStation(dataDir, new TestClock(NOW), net.fetch, { autoSync: false });
  unwrap(
    await station.loadKit({
      path: await makeKit(credentials, {
        station: IRV_STATION,
        centralUrl: CENTRAL_URL,
        centralPublicKey: central.receipts.publicKey,
        centralExportKey: exportKey.publicKey,
      }),
    }),
  );
  unwrap(await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN }));
  unwrap(await station.openPolls({ pin: GOOD_PIN }));
  const receipts = await castFor(station, credentials.election, cards().slice(0, 7));
  unwrap(await station.closePolls({ pin: GOOD_PIN }));
  return { station, stationKey: net.stationKey, receipts, dataDir };
}

describe('USB export (sealed to the central export key)', () => {
  it('holds no credential, tracking code, choice or voter card in the file, and central opens it whole', async () => {
    const { station, stationKey, receipts } = await closedStation(central.exports);
    const exported = unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: (await firstDrive(station)).id }));
    expect(exported).toMatchObject({ ballots: 7 });
    const text = readFileSync(exported.path, 'utf8');
    const sealed = SealedBatchExportSchema.parse(JSON.parse(text));
    expect(sealed).toMatchObject({ format: 'scrutin-sealed-export', version: 2, station: IRV_STATION });

    const opened = await openBatchExport(sealed, central.exports.privateKeyPem);
    if (!opened.ok) throw new Error(`the export did not open: ${opened.error.kind}`);
    expect(verifyBatchExport(opened.value, stationKey())).toBe(true);
    const batches = opened.value.body.batches;
    for (const batch of batches) expect(verifyBatch(batch, stationKey()).ok).toBe(true);
    const envelopes = batches.flatMap((b) => b.envelopes);
    expect(envelopes).toHaveLength(7);

    // What a finder of the stick would look for: none of it is in the file.
    const secrets = [
      ...envelopes.flatMap((e) => [e.credential, e.tracking, JSON.stringify(e.ballot.selections), JSON.stringify(e.ballot)]),
      ...envelopes.flatMap((e) =>
        e.ballot.selections.flatMap((s) =>
          s.kind === 'ranked' ? s.ranking : s.kind === 'plurality' && s.choice !== null ? [s.choice] : [],
        ),
      ),
      ...receipts,
      ...cards()
        .slice(0, 7)
        .flatMap((card) => Object.values(card).filter((v): v is string => typeof v === 'string' && v.length >= 6)),
      ...batches.flatMap((b) => [b.signature, b.header.merkleRoot]),
    ];
    expect(secrets.length).toBeGreaterThan(7 * 4);
    for (const secret of secrets) expect(text).not.toContain(secret);
    station.close();
  });

  it('says how many ballots it wrote and how many stay held back, and never blames the stick when there is nothing to write', async () => {
    const net = unreachableCentral();
    const station = openTestStation(tempDir(), new TestClock(NOW), net.fetch, { autoSync: false });
    const kitPath = await makeKit(credentials, {
      station: IRV_STATION,
      centralUrl: CENTRAL_URL,
      centralPublicKey: central.receipts.publicKey,
      centralExportKey: central.exports.publicKey,
    });
    unwrap(await station.loadKit({ path: kitPath }));
    unwrap(await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN }));
    unwrap(await station.openPolls({ pin: GOOD_PIN }));
    // Open polls, fewer than 2k ballots (k = 2): all of them are held back for the anonymity set.
    await castFor(station, credentials.election, cards().slice(0, 3));
    const drive = await firstDrive(station);
    const held = await station.exportBatches({ pin: GOOD_PIN, drive: drive.id });
    expect(held).toMatchObject({ ok: false, error: { kind: 'nothing-to-export', heldBack: 3 } });
    if (held.ok) throw new Error('exported');
    expect(held.error.message.fr).toContain('3 bulletins restent retenus jusqu’à la fermeture');
    expect(held.error.message.en).toContain('3 ballots are held back until the polls close');
    // One language per text, and no stick to blame.
    for (const words of [held.error.message.fr, held.error.message.en]) expect(words).not.toMatch(/USB|clé|stick|key/i);
    expect(held.error.message.fr).not.toMatch(/\b(the|ballots|export)\b/);
    expect(readdirSync(drive.device)).toEqual([]);
    // 7 ballots: 5 sealed and written, 2 held back, and the answer says both.
    await castFor(station, credentials.election, cards().slice(3, 7), 3);
    expect(unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive.id }))).toMatchObject({ ballots: 5, heldBack: 2 });
    // Closed: everything is written, and the count says so.
    unwrap(await station.closePolls({ pin: GOOD_PIN }));
    expect(unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive.id }))).toMatchObject({ ballots: 7, heldBack: 0 });
    station.close();
  });

  it('writes a full sealed backup at close, a new file each time, that central opens and checks', async () => {
    const { station, stationKey, receipts } = await closedStation(central.exports);
    const drive = await firstDrive(station);
    const first = unwrap(await station.backupToDrive({ pin: GOOD_PIN, drive: drive.id }));
    expect(first).toMatchObject({ batches: expect.any(Number) as unknown, ballots: 7 });
    const second = unwrap(await station.backupToDrive({ pin: GOOD_PIN, drive: drive.id }));
    // Nothing is overwritten: two backups, two files.
    expect(second.path).not.toBe(first.path);
    expect(readdirSync(drive.device)).toHaveLength(2);
    const text = readFileSync(first.path, 'utf8');
    const backup = JSON.parse(text) as StationBackup;
    expect(backup).toMatchObject({ format: 'scrutin-station-backup', version: 1, station: IRV_STATION, syncedBatches: [] });
    expect(verifyClosingReport(backup.closingReport)).toBe(true);
    expect(backup.closingReport.body).toMatchObject({ ballotsCast: 7, ballotsPending: 7, votersCheckedIn: 7 });
    const opened = await openBatchExport(backup.pendingBatches, central.exports.privateKeyPem);
    if (!opened.ok) throw new Error(`the backup's batches did not open: ${opened.error.kind}`);
    expect(verifyBatchExport(opened.value, stationKey())).toBe(true);
    expect(opened.value.body.batches.flatMap((b) => b.envelopes)).toHaveLength(7);
    // Sealed: no receipt code, credential or choice in clear.
    for (const envelope of opened.value.body.batches.flatMap((b) => b.envelopes)) {
      expect(text).not.toContain(envelope.credential);
      expect(text).not.toContain(envelope.tracking);
    }
    for (const receipt of receipts) expect(text).not.toContain(receipt);
    expect(readAuditLog(station.db).at(-1)).toMatchObject({ event: 'backup-written', details: { ballots: 7, sha256: second.sha256 } });
    station.close();
  });

  it('writes the full backup only once the polls are closed', async () => {
    const station = openTestStation(tempDir(), new TestClock(NOW), unreachableCentral().fetch, { autoSync: false });
    const kit = await makeKit(credentials, {
      station: IRV_STATION,
      centralUrl: CENTRAL_URL,
      centralPublicKey: central.receipts.publicKey,
      centralExportKey: central.exports.publicKey,
    });
    unwrap(await station.loadKit({ path: kit }));
    unwrap(await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN }));
    unwrap(await station.openPolls({ pin: GOOD_PIN }));
    const drive = await firstDrive(station);
    expect(await station.backupToDrive({ pin: GOOD_PIN, drive: drive.id })).toMatchObject({
      ok: false,
      error: { kind: 'polls-not-closed', state: 'open' },
    });
    expect(readdirSync(drive.device)).toEqual([]);
    station.close();
  });

  it('makes a file that a central it was not sealed for cannot open (typed error)', async () => {
    const other = generateExportKeyPair();
    const { station } = await closedStation(other);
    const exported = unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: (await firstDrive(station)).id }));
    const file: unknown = JSON.parse(readFileSync(exported.path, 'utf8'));
    expect(await openBatchExport(file, central.exports.privateKeyPem)).toEqual({ ok: false, error: { kind: 'cannot-open' } });
    expect((await openBatchExport(file, other.privateKeyPem)).ok).toBe(true);
    station.close();
  });

  it('writes nothing in clear for a kit loaded before kits carried the export key', async () => {
    const { station, dataDir } = await closedStation(central.exports);
    station.close();
    // As migration 5 leaves a station that had loaded its kit before it.
    const db = new Database(`${dataDir}/station.sqlite`);
    db.prepare('UPDATE station SET central_export_key = NULL').run();
    db.close();
    const reopened = openTestStation(dataDir, new TestClock(NOW), unreachableCentral().fetch, { autoSync: false });
    const drive = await firstDrive(reopened);
    expect(await reopened.exportBatches({ pin: GOOD_PIN, drive: drive.id })).toMatchObject({
      ok: false,
      error: { kind: 'kit-without-export-key', message: { en: expect.stringMatching(/no central export key/) as unknown } },
    });
    expect(readdirSync(drive.device)).toEqual([]);
    reopened.close();
  });
});
