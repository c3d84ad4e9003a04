/**
 * A central server for the console's end-to-end tests, run as its own process
 * (`node --import tsx e2e/support/console_central.ts`): the real API with the built console,
 * on the real Postgres, Redis and RabbitMQ (its own database and namespace), a validator in
 * process, and three officials, one per role. It prints one JSON line when ready, then
 * answers commands read from stdin, one JSON line each:
 *
 *   station-export <election> <station>   enrols the station, sends two signed batches and
 *                                         writes the station's export file as a station
 *                                         does: signed, then sealed to central's export key
 *   receipts <station> <n>                loads and opens the sample election (polls open now)
 *                                         with its voters, sends n ballots of the station,
 *                                         waits until they are counted and answers their
 *                                         tracking codes
 *   close <election>                      closes the election (its receipts become checkable)
 *   test-election <station> <n>           loads and opens the sample election's test rehearsal
 *                                         (id qc-demo-2026-test, mode test) with its voters,
 *                                         sends n test ballots of the station (counted), then
 *                                         the same station's batch signed live (refused): answers
 *                                         the election id, the ballots and the refusal's code
 *   close-station <station> <picks>       loads and opens the sample election (polls open now)
 *                                         if not yet, then the station closes its polls: one
 *                                         final batch with one ballot per `;`-separated list of
 *                                         picks (`ballotFor`'s choices, in ballot order, e.g.
 *                                         `0,3,2;0,2,2`), and waits until it is counted
 *
 * SIGTERM stops the server and drops its database and queues.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ElectionIdSchema, newTrackingCode, secrecyOf, StationIdSchema, type Credential } from '@scrutin/shared';
import { NewOfficialSchema, ROLES } from '@scrutin/shared/api';
import { sealBatchExport, signBatchExport, type Envelope, type SignedBatch } from '@scrutin/shared/protocol';
import { createOfficial, loadCredentials, randomBallot, setElectionState, StationClient } from '@scrutin/server';
import {
  envelopeFor,
  enrolmentToken,
  openElection,
  openSampleElection,
  openWithStation,
  startTestCentral,
  testVoter,
  votersOf,
} from '@scrutin/server/testing';

const central = await startTestCentral({ withValidator: true });
const { db } = central.central.ctx.services;
const password = `e2e-${randomBytes(9).toString('base64url')}`;
const officials: Record<string, { username: string; password: string }> = {};
for (const role of ROLES) {
  const username = `${role}-e2e`;
  const created = await createOfficial(db, NewOfficialSchema.parse({ username, password, role }));
  if (!created.ok) throw new Error(`cannot create ${username}`);
  officials[role] = { username, password };
}
console.log(JSON.stringify({ ready: true, url: central.central.url, officials }));

async function stationExport(electionArg: string, stationArg: string): Promise<string> {
  const election = ElectionIdSchema.parse(electionArg);
  const station = StationIdSchema.parse(stationArg);
  const definition = await central.central.ctx.elections.get(election);
  const riding = definition?.stations.find((s) => s.id === station)?.riding;
  if (definition === undefined || riding === undefined) throw new Error(`no station ${station} in ${election}`);
  const client = new StationClient(central.central.url, election, station);
  await client.enrol(await enrolmentToken(central.central, election, station));
  const batches: SignedBatch[] = [];
  for (let b = 0; b < 2; b += 1) {
    // Credentials unknown to central: the batches are signed and recorded, their envelopes
    // refused. Each batch carries the election's anonymity set, as a station's would.
    const envelopes: Envelope[] = Array.from({ length: secrecyOf(definition).anonymitySet }, () => ({
      credential: randomBytes(32).toString('hex') as Credential,
      tracking: newTrackingCode(),
      ballot: randomBallot(definition, riding),
    }));
    const batch = client.nextBatch(envelopes);
    const outcome = await client.send(batch);
    if (outcome.kind !== 'accepted') throw new Error(`batch refused: ${outcome.code} ${outcome.message}`);
    batches.push(batch);
  }
  const file = await sealBatchExport(
    signBatchExport(
      { format: 'scrutin-batch-export', version: 2, election, station, exportedAt: new Date().toISOString(), batches },
      client.keys.privateKeyPem,
    ),
    central.central.ctx.centralExportKey.publicKey,
  );
  const path = join(tmpdir(), `scrutin-e2e-${station}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(path, JSON.stringify(file));
  return path;
}

/** The sample election opened with its voters, and n counted ballots of `stationArg`: their tracking codes. */
async function countedReceipts(stationArg: string, n: number): Promise<string[]> {
  const election = openSampleElection();
  const station = StationIdSchema.parse(stationArg);
  const voters = votersOf(election, n);
  const client = await openWithStation(central, election, voters, station);
  const envelopes = voters.filter((v) => v.station === station).map((v) => envelopeFor(election, v));
  const outcome = await client.send(client.nextBatch(envelopes));
  if (outcome.kind !== 'accepted') throw new Error(`batch refused: ${outcome.code} ${outcome.message}`);
  await counted(1);
  return envelopes.map((e) => e.tracking);
}

/** Waits until `n` batches of the database are counted. */
async function counted(n: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'");
    if (Number(rows[0]?.n) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the batch was not counted');
}

/** The sample election of `close-station`, loaded and opened on first use. */
let sampleOpen: { election: ReturnType<typeof openSampleElection>; batches: number } | null = null;

/** A station closes its polls: its ballots (as `picks` steer them) in one final batch, counted. */
async function closeStation(stationArg: string, picks: string): Promise<{ station: string; ballots: number }> {
  const station = StationIdSchema.parse(stationArg);
  const ballots = picks.split(';').map((b) => b.split(',').map(Number));
  const voters = ballots.map(() => testVoter(station));
  sampleOpen ??= { election: openSampleElection(), batches: 0 };
  const { election } = sampleOpen;
  // The first station opens the election with its voters; a later one's voters are loaded
  // directly (the test's own fixture, past the freeze the officials' API enforces).
  let client: StationClient;
  if (sampleOpen.batches === 0) client = await openWithStation(central, election, voters, station);
  else {
    await loadCredentials(
      db,
      central.central.ctx.services.dedup,
      election.id,
      voters.map((v) => ({ credential: v.credentialHash, station })),
    );
    client = new StationClient(central.central.url, election.id, station);
    await client.enrol(await enrolmentToken(central.central, election.id, station));
  }
  const envelopes = voters.map((v, i) => {
    const queue = [...(ballots[i] ?? [])];
    return envelopeFor(election, v, () => queue.shift() ?? 0);
  });
  const outcome = await client.send(client.nextBatch(envelopes, true));
  if (outcome.kind !== 'accepted') throw new Error(`batch refused: ${outcome.code} ${outcome.message}`);
  sampleOpen.batches += 1;
  await counted(sampleOpen.batches);
  return { station, ballots: envelopes.length };
}

/** The test rehearsal of the sample election, with `n` test ballots of a station counted and a live batch refused. */
async function testElection(stationArg: string, n: number): Promise<{ election: string; ballots: number; refused: string }> {
  const sample = openSampleElection();
  const election = { ...sample, id: ElectionIdSchema.parse(`${sample.id}-test`), mode: 'test' as const };
  const station = StationIdSchema.parse(stationArg);
  const voters = votersOf(election, n);
  const before = (await db.query<{ n: string }>("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'")).rows[0]?.n;
  await openElection(central.central, election, voters);
  const client = new StationClient(central.central.url, election.id, station, undefined, 'test');
  await client.enrol(await enrolmentToken(central.central, election.id, station));
  const mine = voters.filter((v) => v.station === station);
  const outcome = await client.send(client.nextBatch(mine.map((v) => envelopeFor(election, v))));
  if (outcome.kind !== 'accepted') throw new Error(`test batch refused: ${outcome.code} ${outcome.message}`);
  await counted(Number(before ?? 0) + 1);
  const live = new StationClient(central.central.url, election.id, station, client.keys, 'live');
  live.nextBatch(mine.map((v) => envelopeFor(election, v)));
  const stray = await live.send(live.nextBatch(mine.map((v) => envelopeFor(election, v))));
  return { election: election.id, ballots: mine.length, refused: stray.kind === 'refused' ? stray.code : 'accepted' };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  void (async () => {
    try {
      switch (command) {
        case 'station-export':
          console.log(JSON.stringify({ exportFile: await stationExport(args[0] ?? '', args[1] ?? '') }));
          break;
        case 'receipts':
          console.log(JSON.stringify({ codes: await countedReceipts(args[0] ?? '', Number(args[1] ?? '3')) }));
          break;
        case 'close-station':
          console.log(JSON.stringify(await closeStation(args[0] ?? '', args[1] ?? '')));
          break;
        case 'test-election':
          console.log(JSON.stringify(await testElection(args[0] ?? '', Number(args[1] ?? '3'))));
          break;
        case 'close':
          await setElectionState(db, ElectionIdSchema.parse(args[0] ?? ''), 'closed');
          console.log(JSON.stringify({ closed: args[0] }));
          break;
        case undefined:
        default:
          console.log(JSON.stringify({ error: `unknown command ${command ?? ''}` }));
      }
    } catch (error) {
      console.log(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  })();
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void central.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
