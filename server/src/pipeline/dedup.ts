import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { CredentialHash, ElectionId, Sha256Hex, StationId } from '@scrutin/shared/node';
import type { RedisTarget } from '../config.ts';

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
  /**
   * Releases the marks `batchHash` made on `credentials` (a quarantined batch: it was never
   * committed, so its voters must not lose their vote). Marks of any other batch stay.
   * Resolves to how many marks were released.
   */
  release(election: ElectionId, station: StationId, batchHash: Sha256Hex, credentials: readonly CredentialHash[]): Promise<number>;
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
  /**
   * Forgets everything held for the election's `stations` and the loaded mark, so the next
   * batch rebuilds the store from Postgres (after a Postgres restore left Redis ahead of it).
   */
  forget(election: ElectionId, stations: readonly StationId[]): Promise<void>;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** KEYS[1] the station's used hash; ARGV[1] the batch hash, ARGV[2] the credentials (raw, concatenated). */
const RELEASE = `
local blob = ARGV[2]
local released = 0
for i = 1, #blob / 32 do
  local h = string.sub(blob, i * 32 - 31, i * 32)
  if redis.call('HGET', KEYS[1], h) == ARGV[1] then
    redis.call('HDEL', KEYS[1], h)
    released = released + 1
  end
end
return released
`;

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

/**
 * Redis, one server or a Redis Cluster. On a cluster every command names its keys and each
 * touches one slot: the per-batch script's two keys share the station's hash tag, and bulk
 * loads send one command per station (ioredis pipelines them automatically, node by node)
 * rather than one pipeline across slots, which a cluster refuses.
 */
export class RedisDedupStore implements DedupStore {
  private readonly redis: Redis | Cluster;
  private readonly cluster: boolean;

  constructor(
    target: RedisTarget | string,
    private readonly namespace: string,
  ) {
    const resolved: RedisTarget = typeof target === 'string' ? { kind: 'server', url: target } : target;
    const options: RedisOptions = { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false };
    switch (resolved.kind) {
      case 'server':
        this.redis = new Redis(resolved.url, options);
        break;
      case 'cluster':
        this.redis = new Cluster([...resolved.nodes], {
          redisOptions: { ...options, ...credentialsOf(resolved.nodes[0]) },
          enableAutoPipelining: true,
          enableOfflineQueue: true,
          maxRedirections: 16,
        });
        break;
      default:
        throw new Error(`unexpected Redis target ${JSON.stringify(resolved satisfies never)}`);
    }
    this.cluster = resolved.kind === 'cluster';
    // Errors surface on the calls themselves; the client reconnects on its own.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('scrutinCheckAndMark', { numberOfKeys: 2, lua: CHECK_AND_MARK });
    this.redis.defineCommand('scrutinRelease', { numberOfKeys: 1, lua: RELEASE });
  }

  private keys(election: ElectionId, station: StationId): { valid: string; used: string } {
    const tag = `{${this.namespace}:${election}:st:${station}}`;
    return { valid: `${tag}:valid`, used: `${tag}:used` };
  }

  private loadedKey(election: ElectionId): string {
    return `${this.namespace}:${election}:loaded`;
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

  async release(election: ElectionId, station: StationId, batchHash: Sha256Hex, credentials: readonly CredentialHash[]): Promise<number> {
    if (credentials.length === 0) return 0;
    const { used } = this.keys(election, station);
    const command = (this.redis as unknown as { scrutinRelease: (key: string, batch: Buffer, blob: Buffer) => Promise<number> })
      .scrutinRelease;
    return command.call(this.redis, used, Buffer.from(batchHash, 'hex'), Buffer.from(credentials.join(''), 'hex'));
  }

  async addCredentials(election: ElectionId, entries: readonly { credential: CredentialHash; station: StationId }[]): Promise<void> {
    const byStation = groupBy(entries, (e) => e.station);
    await this.perKey(
      [...byStation].map(([station, list]) => [
        'sadd',
        this.keys(election, station).valid,
        ...list.map((e) => Buffer.from(e.credential, 'hex')),
      ]),
    );
  }

  async markUsed(
    election: ElectionId,
    entries: readonly { credential: CredentialHash; station: StationId; batchHash: Sha256Hex }[],
  ): Promise<void> {
    const byStation = groupBy(entries, (e) => e.station);
    await this.perKey(
      [...byStation].map(([station, list]) => {
        const args: Buffer[] = [];
        for (const e of list) args.push(Buffer.from(e.credential, 'hex'), Buffer.from(e.batchHash, 'hex'));
        return ['hset', this.keys(election, station).used, ...args];
      }),
    );
  }

  /**
   * One single-key command each: on one server in one pipeline, on a cluster concurrently
   * (auto-pipelined per node). Any command's error is thrown, never dropped.
   */
  private async perKey(commands: readonly (readonly [string, string, ...Buffer[]])[]): Promise<void> {
    if (commands.length === 0) return;
    if (this.cluster) {
      await Promise.all(commands.map(([name, ...args]) => this.redis.call(name, ...args)));
      return;
    }
    const results = await this.redis.pipeline(commands.map((command) => [...command])).exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || results.length !== commands.length) throw new Error('the Redis pipeline did not run');
    if (failed !== undefined && failed !== null) throw failed;
  }

  async isLoaded(election: ElectionId): Promise<boolean> {
    return (await this.redis.exists(this.loadedKey(election))) === 1;
  }

  async setLoaded(election: ElectionId): Promise<void> {
    await this.redis.set(this.loadedKey(election), new Date().toISOString());
  }

  async forget(election: ElectionId, stations: readonly StationId[]): Promise<void> {
    // The mark first, so that no validator trusts the store while its keys go.
    await this.redis.del(this.loadedKey(election));
    await this.perKey(
      stations.flatMap((station) => {
        const { valid, used } = this.keys(election, station);
        return [['del', valid] as const, ['del', used] as const];
      }),
    );
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

/** A cluster's nodes share the first seed URL's user name and password. */
function credentialsOf(url: string | undefined): Pick<RedisOptions, 'username' | 'password'> {
  if (url === undefined) return {};
  const parsed = new URL(url);
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
  };
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

  release(election: ElectionId, _station: StationId, batchHash: Sha256Hex, credentials: readonly CredentialHash[]): Promise<number> {
    let released = 0;
    for (const c of credentials) {
      if (this.used.get(`${election}/${c}`) === batchHash) {
        this.used.delete(`${election}/${c}`);
        released += 1;
      }
    }
    return Promise.resolve(released);
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

  forget(election: ElectionId, stations: readonly StationId[]): Promise<void> {
    this.loaded.delete(election);
    for (const station of stations) this.valid.delete(`${election}/${station}`);
    for (const key of [...this.used.keys()]) if (key.startsWith(`${election}/`)) this.used.delete(key);
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
