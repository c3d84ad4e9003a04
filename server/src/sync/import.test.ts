import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CentralKeysSchema,
  generateExportKeyPair,
  generateStationKeyPair,
  sealBatchExport,
  signBatchExport,
  type ExportPublicKey,
  type SealedBatchExport,
  type SignedBatch,
  type SignedReceipt,
  type StationId,
} from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { importBatches, importDepsOf, importSealedBatches } from './import.ts';
import { servicesEnv } from '../config.ts';

const election = openSampleElection();
const voters = votersOf(election, 30);
const STATION = 'ST-00010' as StationId;
const mine = voters.filter((v) => v.station === STATION);
let t: TestCentral;
let client: StationClient;
let batches: SignedBatch[];

const deps = () => importDepsOf(t.central.ctx);
const exportFile = (list: SignedBatch[], key = client.keys.privateKeyPem) =>
  signBatchExport(
    {
      format: 'scrutin-batch-export',
      version: 2,
      election: election.id,
      station: STATION,
      exportedAt: new Date().toISOString(),
      batches: list,
    },
    key,
  );

/** As the station writes it to the stick: signed, then sealed to central's export key (or another's). */
const sealedFile = async (list: SignedBatch[], to?: ExportPublicKey): Promise<unknown> =>
  JSON.parse(JSON.stringify(await sealBatchExport(exportFile(list), to ?? t.central.ctx.centralExportKey.publicKey))) as unknown;

const countOf = async (sql: string): Promise<number> => {
  const { rows } = await t.central.ctx.services.db.query<{ n: string }>(sql, [election.id, STATION]);
  return Number(rows[0]?.n ?? 0);
};
const batchesRecorded = () => countOf('SELECT count(*)::text AS n FROM batches WHERE election_id = $1 AND station_id = $2');
const ballotsCounted = () =>
  countOf('SELECT coalesce(sum(ballots), 0)::text AS n FROM station_counts WHERE election_id = $1 AND station_id = $2');

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
  batches = [0, 1, 2].map((i) => client.nextBatch(mine.slice(i * 5, i * 5 + 5).map((v) => envelopeFor(election, v))));
});

afterAll(async () => {
  await t.stop();
});

describe('import-batches (the USB fallback)', () => {
  it('serves the receipt key and the export key at GET /central-key, the keys a kit carries', async () => {
    const response = await fetch(`${t.central.url}/api/v1/central-key`);
    expect(response.status).toBe(200);
    const keys = CentralKeysSchema.parse(await response.json());
    expect(keys).toEqual({ publicKey: t.central.ctx.centralKey.publicKey, exportKey: t.central.ctx.centralExportKey.publicKey });
    // Made once and kept: the key stays the same across restarts (and for the CLI below).
    const { rows } = await t.central.ctx.services.db.query<{ public_key: string }>(
      "SELECT public_key FROM server_keys WHERE name = 'export'",
    );
    expect(rows[0]?.public_key).toBe(keys.exportKey);
  });

  it('refuses a file sealed to another central, a plain export and a changed file, with typed errors, and changes nothing', async () => {
    const elsewhere = await sealedFile(batches, generateExportKeyPair().publicKey);
    await expect(importSealedBatches(deps(), elsewhere)).rejects.toMatchObject({
      code: 'export-unopenable',
      status: 422,
      details: { reason: 'cannot-open' },
    });
    await expect(importSealedBatches(deps(), exportFile(batches))).rejects.toMatchObject({
      code: 'invalid-batch',
      details: { reason: 'not-sealed' },
      message: expect.stringMatching(/unsealed export file/) as unknown,
    });
    const sealed = (await sealedFile(batches)) as SealedBatchExport;
    const tag = Buffer.from(sealed.ciphertext, 'base64');
    tag[tag.length - 1] = (tag[tag.length - 1] ?? 0) ^ 0x80;
    await expect(importSealedBatches(deps(), { ...sealed, ciphertext: tag.toString('base64') })).rejects.toMatchObject({
      code: 'export-unopenable',
    });
    await expect(importSealedBatches(deps(), { ...sealed, station: 'ST-00011' })).rejects.toMatchObject({ code: 'export-unopenable' });
    await expect(importSealedBatches(deps(), { format: 'something else' })).rejects.toMatchObject({
      code: 'invalid-batch',
      details: { reason: 'malformed' },
    });
    expect(await batchesRecorded()).toBe(0);
  });

  it('imports a sealed export file with the same idempotency as the network: its ballots count exactly once', async () => {
    const file = await sealedFile(batches.slice(0, 2));
    const first = await importSealedBatches(deps(), file);
    expect(first).toMatchObject({ station: STATION, refused: [], alreadyReceived: 0 });
    expect(first.receipts.map((r) => r.body.sequence)).toEqual([1, 2]);
    // The same file again, and the same batches sealed anew (another ephemeral key): nothing new.
    const again = await importSealedBatches(deps(), file);
    expect(again.receipts).toEqual(first.receipts);
    expect(again.alreadyReceived).toBe(2);
    expect((await importSealedBatches(deps(), await sealedFile(batches.slice(0, 2)))).alreadyReceived).toBe(2);
    // The same batch by network now gets the same receipt.
    const byNetwork = await client.send(batches[1]!);
    expect(byNetwork.kind === 'accepted' && byNetwork.receipt).toEqual(first.receipts[1]);
    expect(await batchesRecorded()).toBe(2);
    await vi.waitFor(
      async () => {
        expect(await ballotsCounted()).toBe(10);
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it('refuses an opened file not signed by the station key, and changes nothing', async () => {
    const forged = exportFile(batches, generateStationKeyPair().privateKeyPem);
    await expect(importBatches(deps(), forged)).rejects.toMatchObject({ code: 'bad-signature' });
    const sealedForged = JSON.parse(JSON.stringify(await sealBatchExport(forged, t.central.ctx.centralExportKey.publicKey))) as unknown;
    await expect(importSealedBatches(deps(), sealedForged)).rejects.toMatchObject({ code: 'bad-signature' });
    await expect(importBatches(deps(), { format: 'something else' })).rejects.toMatchObject({ code: 'invalid-batch' });
    expect(await batchesRecorded()).toBe(2);
  });

  it('works from the command line on the sealed file, writing the receipts for the station', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrutin-import-'));
    await writeFile(join(dir, 'export.json'), JSON.stringify(await sealedFile(batches)));
    await writeFile(join(dir, 'plain.json'), JSON.stringify(exportFile(batches)));
    const services = t.config.services!;
    const env = { ...process.env, ...servicesEnv(services), SCRUTIN_NAMESPACE: t.config.namespace, LOG_LEVEL: 'silent' };
    const cli = join(import.meta.dirname, '../../bin/scrutin.js');
    // A plain export is refused with the reason, and imports nothing.
    const plain = await promisify(execFile)(process.execPath, [cli, 'import-batches', join(dir, 'plain.json')], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('invalid-batch: This is an unsealed export file');
    expect(await batchesRecorded()).toBe(2);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/scrutin.js'),
        'import-batches',
        join(dir, 'export.json'),
        '--receipts',
        join(dir, 'receipts.json'),
      ],
      { env },
    );
    expect(stdout).toContain(`station ${STATION}: 3 batch(es) accepted (2 already received), 0 refused`);
    const receipts = JSON.parse(await readFile(join(dir, 'receipts.json'), 'utf8')) as SignedReceipt[];
    expect(receipts.map((r) => r.body.sequence)).toEqual([1, 2, 3]);

    // A bag of sticks after the close: several files in one run. A refused or unreadable file is
    // said, by name, and does not stop the next; the exit code says not every file went in whole.
    // Two files of one station (all three batches, then the first alone, exported earlier): its
    // receipts file holds every receipt of the run, not only the last file's.
    await writeFile(join(dir, 'first.json'), JSON.stringify(await sealedFile(batches.slice(0, 1))));
    const many = await promisify(execFile)(
      process.execPath,
      [
        cli,
        'import-batches',
        join(dir, 'plain.json'),
        join(dir, 'export.json'),
        join(dir, 'missing.json'),
        join(dir, 'first.json'),
        '--receipts-dir',
        join(dir, 'r'),
      ],
      { env },
    ).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(many.code).toBe(1);
    expect(many.stderr).toContain(`${join(dir, 'plain.json')}: not imported: invalid-batch: This is an unsealed export file`);
    expect(many.stderr).toContain(`${join(dir, 'missing.json')}: not imported: cannot read it: ENOENT`);
    expect(many.stdout).toContain(`station ${STATION}: 3 batch(es) accepted (3 already received), 0 refused`);
    expect(many.stdout).toContain(`station ${STATION}: 1 batch(es) accepted (1 already received), 0 refused`);
    expect(many.stdout).toContain('4 files: 2 imported whole, 0 with refused batches, 2 not imported');
    const perStation = JSON.parse(await readFile(join(dir, 'r', `receipts-${STATION}.json`), 'utf8')) as SignedReceipt[];
    expect(perStation).toEqual(receipts);
    expect(await batchesRecorded()).toBe(3);

    // One receipts file cannot hold several stations' receipts: said before anything is imported.
    const ambiguous = await promisify(execFile)(
      process.execPath,
      [cli, 'import-batches', join(dir, 'export.json'), join(dir, 'export.json'), '--receipts', join(dir, 'both.json')],
      { env },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('with 2 files, use --receipts-dir DIR');
  });
});
