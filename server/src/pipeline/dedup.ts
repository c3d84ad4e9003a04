import { Redis } from 'ioredis';
import type { CredentialHash, ElectionId, Sha256Hex, StationId } from '@scrutin/shared/node';

/**
 * The fast path of "one person, one vote": for one batch, check every credential against
 * its station's valid set and mark first uses, atomically. Postgres stays the final word
 * (see validator.ts); this store can be lost and rebuilt from it.
 *
 * A credential already marked by *this* batch (a redelivery after a crash) answers `own`,
 * so a batch retried after a crash never turns its own credentials into duplicates.
 */
export type DedupVerdict = 'first-use' | 'own' | 'duplicate' | 'invalid';

export interface DedupStore {
  /** Verdicts in the order of `credentials`, which must hold no repeats. */
  checkAndMark(
    election: ElectionId,
    station: StationId,
    batchHash: Sha256Hex,
    credentials: readonly CredentialHash[],
  ): Promise<DedupVerdict[]>;
  /** Adds valid credentials (idempotent). */
  addCredentials(
    election: ElectionId,
    entries: readonly { readonly credential: CredentialHash; readonly station: StationId }[],
  ): Promise<void>;
  /** Records uses already committed in Postgres (rebuild after a loss). */
  markUsed(
    election: ElectionId,
    entries: readonly { readonly credential: CredentialHash; readonly station: StationId; readonly batchHash: Sha256Hex }[],
  ): Promise<void>;
  /** Whether the store holds the given election's credentials (false after a Redis loss). */
  isLoaded(election: ElectionId): Promise<boolean>;
  setLoaded(election: ElectionId): Promise<void>;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const VERDICTS: readonly DedupVerdict[] = ['invalid', 'first-use', 'own', 'duplicate'];

/**
 * KEYS[1] the station's valid set, KEYS[2] the station's used hash (credential → batch).
 * ARGV[1] the batch hash, ARGV[2] the credentials as raw 32-byte hashes, concatenated (no
 * repeats, at most 1,000: a batch; one argument rather than one each, which the client and
 * the server would otherwise encode and decode one by one).
 * Both keys share the station's hash tag, so the script touches one Redis Cluster slot.
 * Three bulk commands (SMISMEMBER, HMGET, one HSET of the first uses) rather than two or
 * three commands per credential: the script is atomic either way.
 */
const CHECK_AND_MARK = `
local blob = ARGV[2]
local n = #blob / 32
local hashes = {}
for i = 1, n do hashes[i] = string.sub(blob, i * 32 - 31, i * 32) end
local valid = redis.call('SMISMEMBER', KEYS[1], unpack(hashes))
local prev = redis.call('HMGET', KEYS[2], unpack(hashes))
local out = {}
local marks = {}
for i = 1, n do
  if valid[i] == 0 then
    out[i] = 0
  elseif not prev[i] then
    marks[#marks + 1] = hashes[i]
    marks[#marks + 1] = ARGV[1]
    out[i] = 1
  elseif prev[i] == ARGV[1] then
    out[i] = 2
  else
    out[i] = 3
  end
end
if #marks > 0 then redis.call('HSET', KEYS[2], unpack(marks)) end
return out
`;

type CheckAndMark = (validKey: string, usedKey: string, batchHash: Buffer, credentials: Buffer) => Promise<number[]>;

export class RedisDedupStore implements DedupStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false });
    // Errors surface on the calls themselves; the client reconnects on its own.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('scrutinCheckAndMark', { numberOfKeys: 2, lua: CHECK_AND_MARK });
  }

  private keys(election: ElectionId, station: StationId): { valid: string; used: string } {
    const tag = `{${this.namespace}:${election}:st:${station}}`;
    return { valid: `${tag}:valid`, used: `${tag}:used` };
  }

  async checkAndMark(
    election: ElectionId,
    station: StationId,
    batchHash: Sha256Hex,
    credentials: readonly CredentialHash[],
  ): Promise<DedupVerdict[]> {
    if (credentials.length === 0) return [];
    const { valid, used } = this.keys(election, station);
    const command = (this.redis as unknown as { scrutinCheckAndMark: CheckAndMark }).scrutinCheckAndMark;
    const codes = await command.call(this.redis, valid, used, Buffer.from(batchHash, 'hex'), Buffer.from(credentials.join(''), 'hex'));
    if (codes.length !== credentials.length)
      throw new Error(`the dedup script answered ${codes.length} verdicts for ${credentials.length} credentials`);
    return codes.map((code) => {
      const verdict = VERDICTS[code];
      if (verdict === undefined) throw new Error(`unexpected dedup code ${code}`);
      return verdict;
    });
  }

  async addCredentials(election: ElectionId, entries: readonly { credential: CredentialHash; station: StationId }[]): Promise<void> {
    const byStation = groupBy(entries, (e) => e.station);
    const pipeline = this.redis.pipeline();
    for (const [station, list] of byStation) {
      pipeline.sadd(this.keys(election, station).valid, ...list.map((e) => Buffer.from(e.credential, 'hex')));
    }
    await pipeline.exec();
  }

  async markUsed(
    election: ElectionId,
    entries: readonly { credential: CredentialHash; station: StationId; batchHash: Sha256Hex }[],
  ): Promise<void> {
    const byStation = groupBy(entries, (e) => e.station);
    const pipeline = this.redis.pipeline();
    for (const [station, list] of byStation) {
      const args: Buffer[] = [];
      for (const e of list) args.push(Buffer.from(e.credential, 'hex'), Buffer.from(e.batchHash, 'hex'));
      pipeline.hset(this.keys(election, station).used, ...args);
    }
    await pipeline.exec();
  }

  async isLoaded(election: ElectionId): Promise<boolean> {
    return (await this.redis.exists(`${this.namespace}:${election}:loaded`)) === 1;
  }

  async setLoaded(election: ElectionId): Promise<void> {
    await this.redis.set(`${this.namespace}:${election}:loaded`, new Date().toISOString());
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => {
      this.redis.disconnect();
    });
  }
}

/** The same contract in memory, for embedded mode. */
export class MemoryDedupStore implements DedupStore {
  private readonly valid = new Map<string, Set<CredentialHash>>();
  private readonly used = new Map<string, Sha256Hex>();
  private readonly loaded = new Set<string>();

  checkAndMark(
    election: ElectionId,
    station: StationId,
    batchHash: Sha256Hex,
    credentials: readonly CredentialHash[],
  ): Promise<DedupVerdict[]> {
    const valid = this.valid.get(`${election}/${station}`);
    return Promise.resolve(
      credentials.map((c): DedupVerdict => {
        if (valid?.has(c) !== true) return 'invalid';
        const prev = this.used.get(`${election}/${c}`);
        if (prev === undefined) {
          this.used.set(`${election}/${c}`, batchHash);
          return 'first-use';
        }
        return prev === batchHash ? 'own' : 'duplicate';
      }),
    );
  }

  addCredentials(election: ElectionId, entries: readonly { credential: CredentialHash; station: StationId }[]): Promise<void> {
    for (const e of entries) {
      const key = `${election}/${e.station}`;
      let set = this.valid.get(key);
      if (set === undefined) this.valid.set(key, (set = new Set()));
      set.add(e.credential);
    }
    return Promise.resolve();
  }

  markUsed(
    election: ElectionId,
    entries: readonly { credential: CredentialHash; station: StationId; batchHash: Sha256Hex }[],
  ): Promise<void> {
    for (const e of entries) this.used.set(`${election}/${e.credential}`, e.batchHash);
    return Promise.resolve();
  }

  isLoaded(election: ElectionId): Promise<boolean> {
    return Promise.resolve(this.loaded.has(election));
  }

  setLoaded(election: ElectionId): Promise<void> {
    this.loaded.add(election);
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list === undefined) map.set(k, [item]);
    else list.push(item);
  }
  return map;
}
