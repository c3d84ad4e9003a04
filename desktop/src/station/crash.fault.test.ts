import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTrackingCode, syntheticElection, unwrap, type CredentialHash } from '@scrutin/shared';
import { credentialHash } from '@scrutin/shared/crypto';
import { EnvelopeSchema, SignedBatchSchema, batchHash } from '@scrutin/shared/protocol';
import { openStationDb } from './db.ts';
import { ensureStationKey } from './enrolment.ts';
import { GOOD_PIN, makeCredentials, makeKit, openTestStation, removeTempDirs, tempDir, TestClock } from './fixtures.test-support.ts';

/**
 * Crash safety (issue 4): a child process casts ballots in a loop and prints each receipt
 * after `cast` returned it; it is killed with SIGKILL at random moments, at least 200 times.
 * After every kill: each printed receipt's ballot is stored exactly once (outbox or a sealed
 * batch), every used credential has exactly one envelope and every envelope one used mark,
 * and the batch chain is intact.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 200);
const ROOT = join(import.meta.dirname, '../../..');
/** The child, bundled once (starting node on one file is several times faster than through tsx). */
const CHILD = join(ROOT, 'node_modules/.cache', `scrutin-crash-child-${process.pid}.mjs`);
beforeAll(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, 'crash_child.test-support.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: CHILD,
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
});
afterAll(() => {
  rmSync(CHILD, { force: true });
  removeTempDirs();
});

interface Run {
  readonly receipts: string[];
  readonly ready: boolean;
}

/** Starts the child and kills it at a random moment once it is casting (or at once, now and then). */
function runAndKill(dataDir: string, cardsFile: string, start: number, now: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir, cardsFile, String(start), String(now)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const receipts: string[] = [];
    let ready = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const kill = () => child.kill('SIGKILL');
    // One run in ten dies during start-up (opening, migrating), the rest while casting.
    const early = randomInt(10) === 0;
    if (early) setTimeout(kill, randomInt(5, 200));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') {
        ready = true;
        if (!early) setTimeout(kill, randomInt(0, 40));
      } else if (line.startsWith('R ')) receipts.push(line.slice(2));
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ receipts, ready });
      else reject(new Error(`the child ended by itself (${code}): ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  it(`keeps every returned ballot exactly once across ${KILLS} SIGKILLs`, async () => {
    const election = syntheticElection({ ridings: 1, stations: 1, voters: 20_000, irvShare: 1 });
    const stationId = election.stations[0]!.id;
    const credentials = await makeCredentials(election);
    const entry = credentials.manifest.stations[0]!;
    const now = Date.parse(election.opensAt) + 3_600_000;
    const dataDir = tempDir('scrutin-crash-');
    const setup = openTestStation(dataDir, new TestClock(now), undefined, { autoSync: false });
    unwrap(await setup.loadKit({ path: await makeKit(credentials, { station: stationId }) }));
    unwrap(await setup.openPolls({ pin: GOOD_PIN }));
    ensureStationKey(setup.db, now);
    setup.close();

    const cardsFile = entry.cards;
    if (cardsFile === null) throw new Error('the test election was generated without cards');
    const printed = new Map<string, number>();
    let kills = 0;
    let used = 0;
    while (kills < KILLS) {
      const run = await runAndKill(dataDir, join(credentials.dir, cardsFile), Math.max(0, used - 2), now);
      kills += 1;
      for (const r of run.receipts) printed.set(r, (printed.get(r) ?? 0) + 1);

      const db = unwrap(openStationDb(join(dataDir, 'station.sqlite')));
      try {
        const envelopes = db
          .prepare<[], { envelope: string }>('SELECT envelope FROM outbox')
          .all()
          .map((r) => EnvelopeSchema.parse(JSON.parse(r.envelope)));
        let previous: string | null = null;
        for (const [i, row] of db
          .prepare<[], { sequence: number; signed_batch: string; batch_hash: string; envelopes: number }>(
            'SELECT sequence, signed_batch, batch_hash, envelopes FROM batches ORDER BY sequence',
          )
          .all()
          .entries()) {
          const batch = SignedBatchSchema.parse(JSON.parse(row.signed_batch));
          expect(row.sequence).toBe(i + 1);
          expect(batch.header.previousBatchHash).toBe(previous);
          expect(batchHash(batch.header)).toBe(row.batch_hash);
          expect(batch.envelopes).toHaveLength(row.envelopes);
          previous = row.batch_hash;
          envelopes.push(...batch.envelopes);
        }
        const usedMarks = new Set(
          db
            .prepare<[], { h: string }>('SELECT lower(hex(credential_hash)) AS h FROM used_credentials')
            .all()
            .map((r) => r.h as CredentialHash),
        );
        const credentialsInEnvelopes = new Set(envelopes.map((e) => credentialHash(e.credential)));
        expect(credentialsInEnvelopes.size).toBe(envelopes.length);
        expect(usedMarks.size).toBe(envelopes.length);
        for (const c of credentialsInEnvelopes) expect(usedMarks.has(c)).toBe(true);
        const stored = new Map<string, number>();
        for (const e of envelopes) {
          const code = formatTrackingCode(e.tracking);
          stored.set(code, (stored.get(code) ?? 0) + 1);
        }
        for (const [receipt, times] of printed) {
          expect(times).toBe(1);
          expect(stored.get(receipt), `receipt ${receipt} after kill ${kills}`).toBe(1);
        }
        used = usedMarks.size;
      } finally {
        db.close();
      }
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills landed while ballots were being cast, not only before.
    expect(printed.size).toBeGreaterThan(KILLS / 2);
    expect(used).toBeGreaterThanOrEqual(printed.size);
  });
});
