/**
 * `npm run bench -- pipeline-parts`: the CPU a ballot costs in each step the API and a validator
 * take, measured in this one process on the load generator's own batches (no services). The
 * `pipeline` bench gives each process's total, but two cores shared by seven processes make
 * those totals vary by 10 % or more from run to run; here each step is timed alone, so a change
 * to one step shows as its own figure, and the price of each of the options for the pipeline's
 * remaining CPU (docs/decisions/0007-pipeline-cpu.md, "Open") is a measurement, not a guess.
 *
 * One line per step: `{"bench":"pipeline-parts","role":"api"|"validator","step":…,
 * "microsPerEnvelope":…}` (user + system CPU of this process, the median of five rounds over
 * every batch, after two rounds of warm-up), then one line per role with the steps' sum.
 * Per-batch steps (the header's Ed25519 signature, the seal) are divided by the batch size, as
 * in the floor. Sizes: `BENCH_PARTS_BALLOTS` (10,000), `BENCH_BATCH` (250).
 */
import { randomBytes } from 'node:crypto';
import {
  SignedBatchSchema,
  credentialHash,
  generateStationKeyPair,
  signBatch,
  validateBallot,
  verifyEnvelopes,
  verifyHeader,
  type SignedBatch,
  type Sha256Hex,
} from '@scrutin/shared/node';
import { makePlan, benchmarkParts } from '@scrutin/server';
import { machineFigures } from './machine.ts';
import { print } from './pipeline.ts';

const ROUNDS = 5;
const WARM_UP = 2;

export async function benchPipelineParts(): Promise<void> {
  const ballots = Number(process.env.BENCH_PARTS_BALLOTS ?? 10_000);
  const batchSize = Number(process.env.BENCH_BATCH ?? 250);
  print(await machineFigures());

  // One station's ballots, as the simulator makes them (no duplicates or invalid ones: every
  // envelope takes every step).
  const plan = makePlan({ stations: 1, ballots, duplicateShare: 0, invalidShare: 0 });
  const { election } = plan;
  const station = plan.stations[0];
  if (station === undefined) throw new Error('the plan has no station');
  const keys = generateStationKeyPair();
  const pipelineKey = randomBytes(32);
  const batches: SignedBatch[] = [];
  const batchHashes: Sha256Hex[] = [];
  let previous: Sha256Hex | null = null;
  for (let at = 0; at + batchSize <= station.envelopes.length; at += batchSize) {
    const batch = signBatch(
      {
        election: election.id,
        station: station.station,
        mode: 'live',
        sequence: batches.length + 1,
        previousBatchHash: previous,
        final: false,
        envelopes: station.envelopes.slice(at, at + batchSize),
      },
      keys.privateKeyPem,
    );
    const verified = verifyHeader(batch.header, batch.signature, keys.publicKey);
    if (!verified.ok) throw new Error('a batch the bench signed does not verify');
    previous = verified.value;
    batches.push(batch);
    batchHashes.push(verified.value);
  }
  const envelopes = batches.length * batchSize;

  // What each step takes as input, made once.
  const bodies = batches.map((b) => JSON.stringify(b));
  const parsedBodies = bodies.map((b): unknown => JSON.parse(b));
  const canonical = batches.map((b) => {
    const result = verifyEnvelopes(b);
    if (!result.ok) throw new Error('a batch the bench signed has a wrong Merkle root');
    return result.value;
  });
  const identity = (i: number) => ({
    election: election.id,
    station: station.station,
    sequence: i + 1,
    batchHash: batchHashes[i] as Sha256Hex,
    receivedAtMs: 0,
  });
  const sealed = canonical.map((c, i) => benchmarkParts.sealBatchMessage(pipelineKey, identity(i), c));
  const opened = sealed.map((m) => {
    const result = benchmarkParts.openBatchMessage(pipelineKey, m);
    if (!result.ok) throw new Error(`a message the bench sealed does not open: ${result.error.kind}`);
    return result.value;
  });
  // The ballots under their central ids, as the validator writes them.
  const ballotRows = opened.map((m) => benchmarkParts.withRandomIds(m.envelopes));

  const steps: { role: 'api' | 'validator'; step: string; run: (i: number) => unknown }[] = [
    { role: 'api', step: 'request body JSON.parse', run: (i): unknown => JSON.parse(bodies[i] as string) },
    { role: 'api', step: 'batch schema (zod)', run: (i) => SignedBatchSchema.safeParse(parsedBodies[i]) },
    {
      role: 'api',
      step: 'header signature (Ed25519, per batch)',
      run: (i) => verifyHeader((batches[i] as SignedBatch).header, (batches[i] as SignedBatch).signature, keys.publicKey),
    },
    { role: 'api', step: 'canonical JSON and Merkle root (3 SHA-256)', run: (i) => verifyEnvelopes(batches[i] as SignedBatch) },
    {
      role: 'api',
      step: 'ballot check',
      run: (i) => (batches[i] as SignedBatch).envelopes.map((e) => validateBallot(election, station.riding, e.ballot).ok),
    },
    {
      role: 'api',
      step: 'seal (AES-256-GCM)',
      run: (i) => benchmarkParts.sealBatchMessage(pipelineKey, identity(i), canonical[i] as string[]),
    },
    {
      role: 'validator',
      step: 'open: unseal, JSON.parse, queue schema (zod)',
      run: (i) => benchmarkParts.openBatchMessage(pipelineKey, sealed[i] as Buffer),
    },
    {
      role: 'validator',
      step: 'of which the queue schema (zod)',
      run: (i) => benchmarkParts.QueueEnvelopesSchema.safeParse(opened[i]?.envelopes),
    },
    {
      role: 'validator',
      step: 'credential check value (SHA-256)',
      run: (i) => opened[i]?.envelopes.map((e) => credentialHash(e.credential)),
    },
    {
      role: 'validator',
      step: 'ballot check',
      run: (i) => opened[i]?.envelopes.map((e) => validateBallot(election, station.riding, e.ballot).ok),
    },
    { role: 'validator', step: 'central ids and shuffle', run: (i) => benchmarkParts.withRandomIds(opened[i]?.envelopes ?? []) },
    {
      role: 'validator',
      step: 'tally increments',
      run: (i) => benchmarkParts.tallyIncrements(ballotRows[i] ?? []),
    },
    {
      role: 'validator',
      step: 'tracking codes packed',
      run: (i) => benchmarkParts.packTrackingCodes((opened[i]?.envelopes ?? []).map((e) => e.tracking)),
    },
  ];
  steps.push({ role: 'validator', step: 'ballot rows JSON', run: (i) => benchmarkParts.ballotsJson(ballotRows[i] ?? []) });

  const totals = new Map<string, number>();
  for (const { role, step, run } of steps) {
    const rounds: number[] = [];
    for (let r = 0; r < WARM_UP + ROUNDS; r += 1) {
      const before = process.cpuUsage();
      for (let i = 0; i < batches.length; i += 1) run(i);
      const used = process.cpuUsage(before);
      if (r >= WARM_UP) rounds.push((used.user + used.system) / envelopes);
    }
    const micros = median(rounds);
    // "Of which" is inside the step before it: not added twice.
    if (!step.startsWith('of which')) totals.set(role, (totals.get(role) ?? 0) + micros);
    print({ bench: 'pipeline-parts', role, step, microsPerEnvelope: round2(micros), roundsMicros: rounds.map(round2) });
  }
  for (const [role, micros] of totals) {
    print({ bench: 'pipeline-parts', role, step: 'sum of the steps', microsPerEnvelope: round2(micros), batchSize, envelopes });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
