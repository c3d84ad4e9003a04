import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cardCredentialHash,
  kdfOf,
  parseNas,
  parseVoterCode,
  sampleElection,
  syntheticElection,
  unwrap,
  type ElectionDefinition,
} from '@scrutin/shared/node';
import { generateCredentials } from './generate.ts';
import type { CredentialsManifest } from './manifest.ts';
import { inspectShard } from './shard.ts';

const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-credentials-'));
  temporary.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

interface Card {
  readonly nas: string;
  readonly code: string;
  readonly station: string;
  readonly hash: string;
}

function readCards(election: ElectionDefinition, dir: string, manifest: CredentialsManifest): Card[] {
  const cards: Card[] = [];
  for (const entry of manifest.stations) {
    const station = election.stations.find((s) => s.id === entry.id)!;
    expect(entry.cards).not.toBeNull();
    const [header, ...lines] = readFileSync(join(dir, entry.cards!), 'utf8').trimEnd().split('\n');
    expect(header).toBe('nas,code,station_id,riding');
    expect(lines).toHaveLength(station.registeredVoters);
    for (const line of lines) {
      const [nasText, codeText, stationId, riding] = line.split(',');
      expect(nasText).toMatch(/^[0-9]{3} [0-9]{3} [0-9]{3}$/);
      expect(codeText).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$/);
      expect([stationId, riding]).toEqual([station.id, station.riding]);
      const nas = unwrap(parseNas(nasText!));
      const code = unwrap(parseVoterCode(codeText!));
      cards.push({ nas, code, station: station.id, hash: cardCredentialHash(election.id, nas, code, kdfOf(election)) });
    }
  }
  return cards;
}

function shardHashes(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
    expect(tables.map((t) => t.name)).toEqual(['credentials', 'meta']);
    const rows = db.prepare<[], { credential_hash: Buffer }>('SELECT credential_hash FROM credentials').all();
    return rows.map((r) => {
      expect(r.credential_hash).toHaveLength(32);
      return r.credential_hash.toString('hex');
    });
  } finally {
    db.close();
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('generateCredentials on the sample election', () => {
  const election = sampleElection();
  let dir: string;
  let manifest: CredentialsManifest;
  let cards: Card[];

  beforeAll(async () => {
    dir = join(tempDir(), 'out');
    const result = await generateCredentials({ election, outDir: dir, workers: 2, now: () => new Date('2026-09-01T12:00:00Z') });
    manifest = unwrap(result);
    cards = readCards(election, dir, manifest);
  });

  it('writes a manifest that describes the run', () => {
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(manifest).toMatchObject({
      format: 'scrutin/credentials-manifest',
      version: 1,
      electionId: 'qc-demo-2026',
      generatedAt: '2026-09-01T12:00:00.000Z',
      totals: { stations: 18, voters: 3600 },
      central: { file: 'central.csv', order: 'credential_hash' },
    });
    expect(manifest.stations.map((s) => s.id)).toEqual(election.stations.map((s) => s.id));
    for (const entry of manifest.stations) {
      expect(entry).toMatchObject({ voters: 200, shard: `shards/${entry.id}.sqlite`, cards: `cards/${entry.id}.csv` });
    }
    expect(readdirSync(dir).sort()).toEqual(['cards', 'central.csv', 'manifest.json', 'shards']);
  });

  it("gives each station's shard the SHA-256 the manifest states", () => {
    for (const entry of manifest.stations) expect(sha256(join(dir, entry.shard))).toBe(entry.shardSha256);
    expect(sha256(join(dir, 'central.csv'))).toBe(manifest.central.sha256);
  });

  it('issues registeredVoters cards per station, with NAS unique across the election', () => {
    expect(cards).toHaveLength(3600);
    expect(new Set(cards.map((c) => c.nas)).size).toBe(3600);
    expect(new Set(cards.map((c) => c.code)).size).toBe(3600);
    expect(cards.every((c) => c.nas.startsWith('0'))).toBe(true);
  });

  it("puts every card's credential hash in exactly its own station's shard", () => {
    const stationOf = new Map<string, string[]>();
    for (const entry of manifest.stations) {
      const { meta, credentials } = inspectShard(join(dir, entry.shard));
      const station = election.stations.find((s) => s.id === entry.id)!;
      expect(meta).toEqual({ formatVersion: 1, electionId: election.id, stationId: station.id, riding: station.riding, voterCount: 200 });
      expect(credentials).toBe(200);
      for (const h of shardHashes(join(dir, entry.shard))) stationOf.set(h, [...(stationOf.get(h) ?? []), entry.id]);
    }
    expect(stationOf.size).toBe(3600);
    for (const card of cards) expect(stationOf.get(card.hash)).toEqual([card.station]);
  });

  it('lists every credential hash once in central.csv, with its station', () => {
    const [header, ...rows] = readFileSync(join(dir, 'central.csv'), 'latin1').trimEnd().split('\n');
    expect(header).toBe('credential_hash,station_id');
    expect(rows).toHaveLength(3600);
    const central = new Map<string, string>();
    for (const row of rows) {
      // Only a hash and a station id: no NAS, no code can hide in a row of this shape.
      expect(row).toMatch(/^[0-9a-f]{64},ST-[0-9]{5}$/);
      const [h, station] = row.split(',') as [string, string];
      expect(central.has(h)).toBe(false);
      central.set(h, station);
    }
    for (const card of cards) expect(central.get(card.hash)).toBe(card.station);
  });

  it('writes central.csv in check-value order, which is unrelated to the voter (NAS) order', () => {
    const rows = readFileSync(join(dir, 'central.csv'), 'latin1').trimEnd().split('\n').slice(1);
    const hashes = rows.map((r) => r.slice(0, 64));
    expect(hashes).toEqual([...hashes].sort());
    // Rank correlation between a row's position in the file and its voter's NAS: for a random
    // order of 3,600 voters its standard deviation is 1/√3599 ≈ 0.017, in NAS order it is 1.
    const position = new Map(hashes.map((h, i) => [h, i]));
    const byNas = [...cards].sort((a, b) => a.nas.localeCompare(b.nas));
    const n = byNas.length;
    const mean = (n - 1) / 2;
    let covariance = 0;
    byNas.forEach((card, rank) => {
      covariance += (rank - mean) * ((position.get(card.hash) ?? Number.NaN) - mean);
    });
    const rho = covariance / ((n * (n * n - 1)) / 12);
    expect(Math.abs(rho)).toBeLessThan(0.1);
    // Nor are the stations grouped: consecutive rows change station about 17 times in 18.
    let changes = 0;
    for (let i = 1; i < rows.length; i += 1) if (rows[i]!.slice(65) !== rows[i - 1]!.slice(65)) changes += 1;
    expect(changes / (rows.length - 1)).toBeGreaterThan(0.85);
    expect(readdirSync(dir)).not.toContain('central.sorting');
  });

  it('keeps NAS and codes out of the shards', () => {
    for (const entry of manifest.stations) {
      const bytes = readFileSync(join(dir, entry.shard)).toString('latin1');
      for (const card of cards.filter((c) => c.station === entry.id)) {
        expect(bytes.includes(card.nas)).toBe(false);
        expect(bytes.includes(card.code)).toBe(false);
        // Eight characters: a random four could occur by chance in the file's own SQL text (CREA…).
        expect(bytes.includes(card.code.slice(0, 8))).toBe(false);
      }
    }
  });

  it('makes the cards readable by their owner only', () => {
    if (process.platform === 'win32') return;
    expect(statSync(join(dir, 'cards')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'cards', 'ST-00001.csv')).mode & 0o777).toBe(0o600);
  });
});

describe('generateCredentials', () => {
  it('refuses a non-empty output directory unless forced, and changes nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const election = syntheticElection({ ridings: 2, stations: 3, voters: 30, id: 'force-test' });
    const refused = await generateCredentials({ election, outDir: dir, workers: 1 });
    expect(refused).toEqual({ ok: false, error: { kind: 'output-not-empty', dir, entries: 1 } });
    expect(readdirSync(dir)).toEqual(['notes.txt']);

    // An earlier run's outputs, including a station that is no longer in the election.
    mkdirSync(join(dir, 'shards'));
    writeFileSync(join(dir, 'shards', 'ST-99999.sqlite'), 'stale');
    writeFileSync(join(dir, 'manifest.json'), '{}');
    const forced = unwrap(await generateCredentials({ election, outDir: dir, workers: 1, force: true }));
    expect(forced.totals).toEqual({ stations: 3, voters: 30 });
    expect(readdirSync(join(dir, 'shards')).sort()).toEqual(['ST-00001.sqlite', 'ST-00002.sqlite', 'ST-00003.sqlite']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(forced);
  });

  it('refuses an election with more voters than synthetic NAS numbers, before writing anything', async () => {
    const dir = join(tempDir(), 'out');
    const election = syntheticElection({ ridings: 1, stations: 2, voters: 10_000_001, id: 'too-big' });
    const result = await generateCredentials({ election, outDir: dir });
    expect(result).toEqual({ ok: false, error: { kind: 'too-many-voters', voters: 10_000_001, capacity: 10_000_000 } });
    expect(() => statSync(dir)).toThrow();
  });

  it('reports a station that fails, leaving no manifest', async () => {
    const dir = join(tempDir(), 'out');
    const valid = syntheticElection({ ridings: 1, stations: 3, voters: 30, id: 'failing' });
    // Not a valid election (parseElection refuses duplicate stations): the second ST-00001
    // finds its files already written, so its worker fails.
    const election: ElectionDefinition = { ...valid, stations: [valid.stations[0]!, valid.stations[1]!, valid.stations[0]!] };
    const result = await generateCredentials({ election, outDir: dir, workers: 2 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      kind: 'station-failed',
      station: 'ST-00001',
      message: expect.stringMatching(/EEXIST/) as unknown,
    });
    expect(readdirSync(dir)).not.toContain('manifest.json');
  });

  it('refuses a bad worker count', async () => {
    const result = await generateCredentials({ election: sampleElection(), outDir: join(tempDir(), 'out'), workers: 0 });
    expect(result).toEqual({ ok: false, error: { kind: 'invalid-workers', workers: 0 } });
  });

  it('handles stations larger than a chunk, shards built in the file, and empty stations', async () => {
    const dir = join(tempDir(), 'out');
    // 9,000 voters on 2 stations: 4,500 each, over two chunks of 4,096; plus a station with none.
    const json = syntheticElection({ ridings: 1, stations: 3, voters: 9_000, id: 'big-stations' });
    const election: ElectionDefinition = {
      ...json,
      stations: json.stations.map((s, i) => ({ ...s, registeredVoters: i === 2 ? 0 : 4_500 })),
    };
    const manifest = unwrap(await generateCredentials({ election, outDir: dir, workers: 2, inMemoryShardVoters: 1_000 }));
    expect(manifest.totals).toEqual({ stations: 3, voters: 9_000 });
    const cards = readCards(election, dir, manifest);
    expect(new Set(cards.map((c) => c.nas)).size).toBe(9_000);
    for (const entry of manifest.stations) {
      expect(sha256(join(dir, entry.shard))).toBe(entry.shardSha256);
      const hashes = new Set(shardHashes(join(dir, entry.shard)));
      expect(hashes.size).toBe(entry.voters);
      for (const card of cards.filter((c) => c.station === entry.id)) expect(hashes.has(card.hash)).toBe(true);
    }
    const central = readFileSync(join(dir, 'central.csv'), 'latin1').trimEnd().split('\n');
    expect(central).toHaveLength(9_001);
    // 9,000 rows: one bucket of the external sort; the bucketed path is covered in central_sort.test.ts.
    const hashes = central.slice(1).map((r) => r.slice(0, 64));
    expect(hashes).toEqual([...hashes].sort());
  });

  it('writes no card at all when asked not to (the embedded demo generating in the server)', async () => {
    const dir = join(tempDir(), 'out');
    const election = syntheticElection({ ridings: 1, stations: 2, voters: 40, id: 'no-cards' });
    const manifest = unwrap(await generateCredentials({ election, outDir: dir, workers: 1, cards: false }));
    expect(readdirSync(dir).sort()).toEqual(['central.csv', 'manifest.json', 'shards']);
    expect(manifest.stations.map((s) => s.cards)).toEqual([null, null]);
    expect(readFileSync(join(dir, 'central.csv'), 'latin1').trimEnd().split('\n')).toHaveLength(41);
  });
});
