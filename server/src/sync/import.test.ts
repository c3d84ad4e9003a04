import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signBatchExport, type SignedBatch, type SignedReceipt, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { importBatches } from './import.ts';
import { servicesEnv } from '../config.ts';

const election = openSampleElection();
const voters = votersOf(election, 30);
const STATION = 'ST-00010' as StationId;
const mine = voters.filter((v) => v.station === STATION);
let t: TestCentral;
let client: StationClient;
let batches: SignedBatch[];

const deps = () => {
  const ctx = t.central.ctx;
  return {
    ...ctx.services,
    elections: ctx.elections,
    centralKey: ctx.centralKey,
    pipelineKey: ctx.pipelineKey,
    metrics: ctx.metrics,
    log: ctx.log,
    now: ctx.now,
  };
};
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

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
  batches = [0, 1, 2].map((i) => client.nextBatch(mine.slice(i * 5, i * 5 + 5).map((v) => envelopeFor(election, v))));
});

afterAll(async () => {
  await t.stop();
});

describe('import-batches (the USB fallback)', () => {
  it('imports an export file with the same idempotency as the network', async () => {
    const first = await importBatches(deps(), exportFile(batches.slice(0, 2)));
    expect(first).toMatchObject({ station: STATION, refused: [], alreadyReceived: 0 });
    expect(first.receipts.map((r) => r.body.sequence)).toEqual([1, 2]);
    const again = await importBatches(deps(), exportFile(batches.slice(0, 2)));
    expect(again.receipts).toEqual(first.receipts);
    expect(again.alreadyReceived).toBe(2);
    // The same batch by network now gets the same receipt.
    const byNetwork = await client.send(batches[1]!);
    expect(byNetwork.kind === 'accepted' && byNetwork.receipt).toEqual(first.receipts[1]);
  });

  it('refuses a file not signed by the station key, and changes nothing', async () => {
    const forged = exportFile(batches, (await import('@scrutin/shared/node')).generateStationKeyPair().privateKeyPem);
    await expect(importBatches(deps(), forged)).rejects.toMatchObject({ code: 'bad-signature' });
    await expect(importBatches(deps(), { format: 'something else' })).rejects.toMatchObject({ code: 'invalid-batch' });
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>('SELECT count(*)::text AS n FROM batches');
    expect(rows[0]?.n).toBe('2');
  });

  it('works from the command line, writing the receipts for the station', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrutin-import-'));
    await writeFile(join(dir, 'export.json'), JSON.stringify(exportFile(batches)));
    const services = t.config.services!;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/scrutin.js'),
        'import-batches',
        join(dir, 'export.json'),
        '--receipts',
        join(dir, 'receipts.json'),
      ],
      {
        env: {
          ...process.env,
          ...servicesEnv(services),
          SCRUTIN_NAMESPACE: t.config.namespace,
          LOG_LEVEL: 'silent',
        },
      },
    );
    expect(stdout).toContain(`station ${STATION}: 3 batch(es) accepted (2 already received), 0 refused`);
    const receipts = JSON.parse(await readFile(join(dir, 'receipts.json'), 'utf8')) as SignedReceipt[];
    expect(receipts.map((r) => r.body.sequence)).toEqual([1, 2, 3]);
  });
});
