/**
 * The efficiency floor (issue 15): what the least a pipeline with our guarantees must spend per
 * ballot costs on this machine, measured in the same run as the pipeline itself so that the two
 * are compared on the same CPU at the same moment. Per ballot:
 *
 * - 2 × Postgres bulk-insert CPU per row (the ballot row and the credential-use row): rows of a
 *   random uuid key and a ballot-sized jsonb, inserted with `unnest` in one transaction a batch;
 * - Redis check-and-mark per credential: one Lua call a batch that checks every credential
 *   against the valid set and the used set of one station, and marks the new ones used;
 * - one SHA-256 over the envelope;
 * - one Ed25519 verification of a batch-sized message, divided by the batch size;
 * - one AMQP publish with its confirm of a batch-sized persistent message on a quorum queue,
 *   divided by the batch size.
 *
 * CPU is read from /proc: the service processes (postgres, redis-server, beam.smp, as the
 * pipeline benchmark reads them) plus this process where it does the work. Like the pipeline's
 * own figures, it is only as clean as the machine is quiet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { generateKeyPairSync, hash, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { postgresCounters, type PostgresCounters } from './postgres_cpu.ts';
import { postgresDatabase } from '@scrutin/server';
import { SERVICE_URLS } from '@scrutin/server/testing';

const BALLOT = {
  election: 'sim-bench',
  riding: 'RIDING-001',
  selections: [
    { kind: 'ranked', contest: 'R001', ranking: ['R001-C1', 'R001-C3', 'R001-C2'] },
    { kind: 'referendum', contest: 'REF-1', choice: 'oui' },
  ],
};
const ENVELOPE = JSON.stringify({ credential: randomBytes(32).toString('hex'), tracking: 'K7M2-Q9XD-4RTA', ballot: BALLOT });

type Service = 'postgres' | 'redis' | 'rabbitmq';

/**
 * CPU seconds used so far by the service processes, by name (postgres, beam.smp, redis-server),
 * with the CPU of their children that have ended (`cutime`/`cstime`: a Postgres backend's time
 * goes to the postmaster when it is reaped), so a connection closing during a measurement does
 * not take its whole life's CPU out of the sum. Summing the living processes alone did, in the
 * national bench and then in the pipeline bench (docs/benchmarks.md).
 */
export function serviceCpuSeconds(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = /\((.*)\)/.exec(stat)?.[1] ?? '';
      const service = name.startsWith('postgres')
        ? 'postgres'
        : name.startsWith('beam')
          ? 'rabbitmq'
          : name.startsWith('redis')
            ? 'redis'
            : null;
      if (service === null) continue;
      const fields = stat.split(') ')[1]?.split(' ') ?? [];
      const own = Number(fields[11]) + Number(fields[12]);
      const ended = Number(fields[13]) + Number(fields[14]);
      totals[service] = (totals[service] ?? 0) + (own + ended) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return totals;
}

/** CPU seconds used by `work`: the named services' processes, and this process if `self`. */
async function cpuOf(services: readonly Service[], self: boolean, work: () => Promise<void>): Promise<number> {
  const before = serviceCpuSeconds();
  const own = process.cpuUsage();
  await work();
  const after = serviceCpuSeconds();
  const ownUsed = process.cpuUsage(own);
  const servicesUsed = services.reduce((n, s) => n + (after[s] ?? 0) - (before[s] ?? 0), 0);
  return servicesUsed + (self ? (ownUsed.user + ownUsed.system) / 1e6 : 0);
}

const micros = (seconds: number, per: number) => Math.round((seconds * 1e6 * 100) / per) / 100;

export interface FloorOptions {
  readonly databaseUrl: string;
  readonly namespace: string;
  readonly batchSize: number;
  /** Rows (and credentials) to measure over. */
  readonly rows?: number;
}

export interface Floor {
  /** The median of five rounds; `postgresRowRoundsMicros` gives all five. */
  readonly postgresRowMicros: number;
  readonly postgresRowRoundsMicros: readonly number[];
  readonly redisCredentialMicros: number;
  readonly sha256Micros: number;
  readonly ed25519VerifyPerBatchMicros: number;
  readonly amqpConfirmPerBatchMicros: number;
  /** 2 × row + credential + SHA-256 + (verify + confirm) / batch size. */
  readonly perBallotMicros: number;
}

/** Rounds of the Postgres part, of which the floor takes the median. */
const POSTGRES_ROUNDS = 5;

export async function efficiencyFloor(options: FloorOptions): Promise<Floor> {
  const rows = options.rows ?? 100_000;
  const batch = options.batchSize;
  const batches = Math.ceil(rows / batch);

  // Postgres: bulk inserts of ballot-shaped rows with a random key. A checkpoint first, so that
  // writing out what the run before left dirty does not count here; then the median of five
  // rounds, each into a new table (Postgres's CPU on these machines varies by a third from one
  // round to the next).
  const db = postgresDatabase(options.databaseUrl, 1);
  const rounds: number[] = [];
  try {
    await db.query('CHECKPOINT');
    const payload = JSON.stringify(BALLOT);
    for (let round = 0; round < POSTGRES_ROUNDS; round += 1) {
      await db.query('CREATE TABLE floor_rows (id uuid PRIMARY KEY, payload jsonb NOT NULL)');
      const chunks = Array.from({ length: batches }, () => Array.from({ length: batch }, () => randomUUID()));
      rounds.push(
        await cpuOf(['postgres'], false, async () => {
          for (const ids of chunks)
            await db.query('INSERT INTO floor_rows SELECT * FROM unnest($1::uuid[], $2::jsonb[])', [ids, ids.map(() => payload)]);
        }),
      );
      await db.query('DROP TABLE floor_rows');
    }
  } finally {
    await db.close();
  }
  const postgresSeconds = [...rounds].sort((a, b) => a - b)[Math.floor(POSTGRES_ROUNDS / 2)] ?? 0;

  // Redis: check and mark a batch of one station's credentials in one script call.
  const redis = new Redis(SERVICE_URLS.redis);
  let redisSeconds: number;
  const valid = `${options.namespace}:floor:{st:FLOOR}:valid`;
  const used = `${options.namespace}:floor:{st:FLOOR}:used`;
  try {
    const credentials = Array.from({ length: batches * batch }, () => randomBytes(32).toString('hex'));
    for (let i = 0; i < credentials.length; i += 10_000) await redis.sadd(valid, ...credentials.slice(i, i + 10_000));
    const sha = String(
      await redis.script(
        'LOAD',
        `local v = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV))
         local u = redis.call('SMISMEMBER', KEYS[2], unpack(ARGV))
         local fresh = {}
         for i = 1, #ARGV do if v[i] == 1 and u[i] == 0 then fresh[#fresh + 1] = ARGV[i] end end
         if #fresh > 0 then redis.call('SADD', KEYS[2], unpack(fresh)) end
         return #fresh`,
      ),
    );
    redisSeconds = await cpuOf(['redis'], false, async () => {
      for (let i = 0; i < credentials.length; i += batch) await redis.evalsha(sha, 2, valid, used, ...credentials.slice(i, i + batch));
    });
  } finally {
    await redis.del(valid, used);
    redis.disconnect();
  }

  // SHA-256 of an envelope, and Ed25519 over a batch, in this process.
  const hashes = rows;
  const shaSeconds = await cpuOf([], true, () => {
    for (let i = 0; i < hashes; i += 1) hash('sha256', ENVELOPE, 'buffer');
    return Promise.resolve();
  });
  const message = Buffer.from(`[${Array.from({ length: batch }, () => ENVELOPE).join(',')}]`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, message, privateKey);
  const verifications = 1000;
  const verifySeconds = await cpuOf([], true, () => {
    for (let i = 0; i < verifications; i += 1)
      if (!verify(null, message, publicKey, signature)) throw new Error('floor signature did not verify');
    return Promise.resolve();
  });

  // AMQP: a persistent batch-sized message on a quorum queue, published with a confirm each.
  const connection = await amqp.connect(SERVICE_URLS.amqp);
  const queue = `${options.namespace}.floor`;
  const published = Math.min(batches, 400);
  let amqpSeconds: number;
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    amqpSeconds = await cpuOf(['rabbitmq'], true, async () => {
      for (let i = 0; i < published; i += 1) {
        channel.sendToQueue(queue, message, { persistent: true });
        await channel.waitForConfirms();
      }
    });
    await channel.deleteQueue(queue);
    await channel.close();
  } finally {
    await connection.close();
  }

  const floor = {
    postgresRowMicros: micros(postgresSeconds, batches * batch),
    postgresRowRoundsMicros: rounds.map((r) => micros(r, batches * batch)),
    redisCredentialMicros: micros(redisSeconds, batches * batch),
    sha256Micros: micros(shaSeconds, hashes),
    ed25519VerifyPerBatchMicros: micros(verifySeconds, verifications),
    amqpConfirmPerBatchMicros: micros(amqpSeconds, published),
  };
  const perBallot =
    2 * floor.postgresRowMicros +
    floor.redisCredentialMicros +
    floor.sha256Micros +
    (floor.ed25519VerifyPerBatchMicros + floor.amqpConfirmPerBatchMicros) / batch;
  return { ...floor, perBallotMicros: Math.round(perBallot * 10) / 10 };
}

/**
 * Postgres's write-ahead log so far (the whole server: run on a quiet machine): records, full-page
 * images (pages written whole after each checkpoint, which random-key B-trees multiply) and bytes.
 */
export async function walSoFar(databaseUrl: string): Promise<PostgresCounters['wal']> {
  const db = postgresDatabase(databaseUrl, 1);
  try {
    return (await postgresCounters(db)).wal;
  } finally {
    await db.close();
  }
}
