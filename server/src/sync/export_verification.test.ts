import { generateExportKeyPair, sealBatchExport, signBatchExport, type SignedBatch, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { openStationExport, verifyStationExport } from './export_verification.ts';

/** The console's check of a station's export file, as it comes off the stick: sealed. */
const election = openSampleElection();
const voters = votersOf(election, 10);
const STATION = 'ST-00003' as StationId;
let t: TestCentral;
let client: StationClient;
let batches: SignedBatch[];

const signed = () =>
  signBatchExport(
    { format: 'scrutin-batch-export', version: 2, election: election.id, station: STATION, exportedAt: new Date().toISOString(), batches },
    client.keys.privateKeyPem,
  );

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
  const mine = voters.filter((v) => v.station === STATION);
  batches = [client.nextBatch(mine.slice(0, 5).map((v) => envelopeFor(election, v)))];
  const sent = await client.send(batches[0]!);
  expect(sent.kind).toBe('accepted');
});
afterAll(async () => {
  await t.stop();
});

describe('export verification of a sealed file', () => {
  it('opens the sealed file with the central export key, then matches its batches with central’s record', async () => {
    const key = t.central.ctx.centralExportKey;
    const sealed = JSON.parse(JSON.stringify(await sealBatchExport(signed(), key.publicKey))) as unknown;
    const opened = await openStationExport(sealed, key.privateKeyPem);
    if (!opened.ok) throw new Error(`did not open: ${opened.error.kind}`);
    const report = await verifyStationExport(t.central.ctx.services.db, election.id, opened.value);
    expect(report).toMatchObject({ ok: true, value: { station: STATION, fileSignature: 'valid', valid: 1, matching: 1 } });
    // An already opened export is read as is.
    expect(await openStationExport(JSON.parse(JSON.stringify(signed())), key.privateKeyPem)).toMatchObject({ ok: true });
  });

  it('refuses a file sealed for another central, and one that is no export, with typed errors', async () => {
    const elsewhere = await sealBatchExport(signed(), generateExportKeyPair().publicKey);
    expect(await openStationExport(elsewhere, t.central.ctx.centralExportKey.privateKeyPem)).toEqual({
      ok: false,
      error: { kind: 'cannot-open' },
    });
    expect(await openStationExport({ format: 'other' }, t.central.ctx.centralExportKey.privateKeyPem)).toMatchObject({
      ok: false,
      error: { kind: 'malformed' },
    });
  });
});
