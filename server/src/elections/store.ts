import {
  modeOf,
  parseElection,
  type CredentialHash,
  type ElectionMode,
  type ElectionDefinition,
  type ElectionId,
  type Result,
  type Sha256Hex,
  type StationId,
  type ValidationIssue,
  err,
  ok,
} from '@scrutin/shared';
import type { ElectionState, ElectionSummary } from '@scrutin/shared/api';
import type { Database, Queryable } from '../db/database.ts';
import type { DedupStore } from '../pipeline/dedup.ts';

/** Elections and their credentials in Postgres, and the Redis fast path kept in step. */

export type SaveElectionError =
  | { readonly kind: 'invalid-definition'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'not-editable'; readonly state: ElectionState };

/**
 * Stores a definition (new, or replacing a draft) and its stations. `policy` adds the
 * server's own refusals of a valid definition (the production floors, see
 * credentials/production_floor.ts), reported as `invalid-definition` too.
 */
export async function saveElection(
  db: Database,
  input: unknown,
  policy: (election: ElectionDefinition) => readonly ValidationIssue[] = () => [],
): Promise<Result<ElectionDefinition, SaveElectionError>> {
  const parsed = parseElection(input);
  if (!parsed.ok) return err({ kind: 'invalid-definition', issues: parsed.error });
  const election = parsed.value;
  const refused = policy(election);
  if (refused.length > 0) return err({ kind: 'invalid-definition', issues: refused });
  return db.transaction(async (tx) => {
    const existing = await tx.query<{ state: ElectionState; mode: ElectionMode }>(
      `SELECT state, coalesce(definition->>'mode', 'live') AS mode FROM elections WHERE id = $1 FOR UPDATE`,
      [election.id],
    );
    const state = existing.rows[0]?.state;
    if (state !== undefined && state !== 'draft') return err({ kind: 'not-editable', state });
    const mode = existing.rows[0]?.mode;
    if (mode !== undefined && mode !== modeOf(election)) {
      return err({
        kind: 'invalid-definition',
        issues: [{ path: 'mode', message: `election ${election.id} was created as a ${mode} election; its mode cannot change` }],
      });
    }
    await tx.query(
      `INSERT INTO elections (id, definition) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, loaded_at = now()`,
      [election.id, JSON.stringify(election)],
    );
    await tx.query(
      `INSERT INTO stations (election_id, station_id, riding, registered_voters)
       SELECT $1, id, riding, voters FROM unnest($2::text[], $3::text[], $4::int[]) AS s(id, riding, voters)
       ON CONFLICT (election_id, station_id) DO UPDATE SET riding = EXCLUDED.riding, registered_voters = EXCLUDED.registered_voters`,
      [
        election.id,
        election.stations.map((s) => s.id),
        election.stations.map((s) => s.riding),
        election.stations.map((s) => s.registeredVoters),
      ],
    );
    return ok(election);
  });
}

export async function setElectionState(db: Queryable, id: ElectionId, state: ElectionState): Promise<void> {
  await db.query('UPDATE elections SET state = $2 WHERE id = $1', [id, state]);
}

export async function electionState(db: Queryable, id: ElectionId): Promise<ElectionState | undefined> {
  const { rows } = await db.query<{ state: ElectionState }>('SELECT state FROM elections WHERE id = $1', [id]);
  return rows[0]?.state;
}

/**
 * Every election on this server, in the order they were loaded, with the certification
 * override if there was one (read back from its audit entry, the one record of it).
 */
export async function listElections(db: Queryable): Promise<ElectionSummary[]> {
  const { rows } = await db.query<{
    id: ElectionId;
    state: ElectionState;
    definition: ElectionDefinition;
    override_reason: string | null;
    override_stations: number | null;
    override_at: Date | null;
  }>(
    `SELECT e.id, e.state, e.definition,
            o.detail->>'reason' AS override_reason,
            jsonb_array_length(o.detail->'stations') AS override_stations,
            o.at AS override_at
       FROM elections e
       LEFT JOIN LATERAL (
         SELECT a.detail, a.at FROM audit_log a
          WHERE a.action = 'election.certified_with_override' AND a.detail->>'election' = e.id
          ORDER BY a.id DESC LIMIT 1
       ) o ON e.state = 'certified'
      ORDER BY e.loaded_at`,
  );
  return rows.map((r) => ({
    id: r.id,
    state: r.state,
    mode: modeOf(r.definition),
    name: r.definition.name,
    opensAt: r.definition.opensAt,
    closesAt: r.definition.closesAt,
    syncDeadline: r.definition.syncDeadline,
    certificationOverride:
      r.override_reason === null || r.override_at === null
        ? null
        : { reason: r.override_reason, stations: r.override_stations ?? 0, at: new Date(r.override_at).toISOString() },
  }));
}

export async function electionExists(db: Queryable, id: ElectionId): Promise<boolean> {
  return (await db.query('SELECT 1 FROM elections WHERE id = $1', [id])).rows.length > 0;
}

/** Whether any credential is loaded for the election. */
export async function hasCredentials(db: Queryable, id: ElectionId): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM (SELECT 1 FROM credentials WHERE election_id = $1 LIMIT 1) c',
    [id],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

export interface CredentialEntry {
  readonly credential: CredentialHash;
  readonly station: StationId;
}

const CHUNK = 20_000;

/**
 * Loads valid credentials into Postgres (the source of truth) and Redis, in chunks of
 * 20,000 rows with one multi-row statement each; loading the same file again changes
 * nothing. Returns how many entries were read. The low-level load (fixtures, benchmarks):
 * the officials' API and credential jobs use `loadDraftCredentials`, which honours the freeze.
 */
export async function loadCredentials(
  db: Database,
  dedup: DedupStore,
  election: ElectionId,
  entries: AsyncIterable<CredentialEntry> | Iterable<CredentialEntry>,
  onProgress: (loaded: number) => void = () => undefined,
): Promise<number> {
  const loaded = await loadChunks(db, dedup, election, entries, onProgress, false);
  if (!loaded.ok) throw new Error(`unreachable: an unguarded load refused (${loaded.error.state})`);
  return loaded.value;
}

/** Credentials are frozen once the election opens: nothing more is loaded after that. */
export interface CredentialsFrozen {
  readonly kind: 'credentials-frozen';
  readonly state: ElectionState | 'unknown';
}

/**
 * `loadCredentials` while the election is a draft, and only then: each chunk is written in a
 * transaction that holds the election's row (FOR SHARE), so it cannot interleave with the
 * election being opened (which takes the row FOR UPDATE). An election opened during a long
 * load stops it at the next chunk with `credentials-frozen`.
 */
export function loadDraftCredentials(
  db: Database,
  dedup: DedupStore,
  election: ElectionId,
  entries: AsyncIterable<CredentialEntry> | Iterable<CredentialEntry>,
  onProgress: (loaded: number) => void = () => undefined,
): Promise<Result<number, CredentialsFrozen>> {
  return loadChunks(db, dedup, election, entries, onProgress, true);
}

async function loadChunks(
  db: Database,
  dedup: DedupStore,
  election: ElectionId,
  entries: AsyncIterable<CredentialEntry> | Iterable<CredentialEntry>,
  onProgress: (loaded: number) => void,
  onlyWhileDraft: boolean,
): Promise<Result<number, CredentialsFrozen>> {
  let chunk: CredentialEntry[] = [];
  let total = 0;
  const insert = (q: Queryable, rows: readonly CredentialEntry[]) =>
    q.query(
      `INSERT INTO credentials (election_id, credential_hash, station_id)
       SELECT $1, decode(h, 'hex'), s FROM unnest($2::text[], $3::text[]) AS c(h, s)
       ON CONFLICT DO NOTHING`,
      [election, rows.map((e) => e.credential), rows.map((e) => e.station)],
    );
  const flush = async (): Promise<CredentialsFrozen | undefined> => {
    if (chunk.length === 0) return undefined;
    const rows = chunk;
    if (onlyWhileDraft) {
      const frozen = await db.transaction(async (tx) => {
        const { rows: found } = await tx.query<{ state: ElectionState }>('SELECT state FROM elections WHERE id = $1 FOR SHARE', [election]);
        const state = found[0]?.state;
        if (state !== 'draft') return { kind: 'credentials-frozen', state: state ?? 'unknown' } as const;
        await insert(tx, rows);
        return undefined;
      });
      if (frozen !== undefined) return frozen;
    } else {
      await insert(db, rows);
    }
    await dedup.addCredentials(election, rows);
    total += rows.length;
    onProgress(total);
    chunk = [];
    return undefined;
  };
  for await (const entry of entries) {
    chunk.push(entry);
    if (chunk.length >= CHUNK) {
      const frozen = await flush();
      if (frozen !== undefined) return err(frozen);
    }
  }
  const frozen = await flush();
  if (frozen !== undefined) return err(frozen);
  // Fresh statistics, so the planner knows the table's size from the first batch on; and the
  // visibility map and hint bits set now, so the validator's probes are index-only scans
  // (migration 0003) that neither read nor dirty the table's pages during the election.
  await db.query('VACUUM (ANALYZE) credentials');
  await dedup.setLoaded(election);
  return ok(total);
}

/**
 * Rebuilds the Redis fast path from Postgres after Redis lost its data: every valid
 * credential, then every recorded use. Postgres does not know which batch made a use (it keeps
 * no link between a credential and its batch, docs/threat-model.md), and needs not: a use in
 * Postgres belongs to a committed batch, which is never checked against Redis again, so the
 * rebuilt mark names no batch (COMMITTED_USE) and answers "duplicate" to every batch. Keyset
 * pagination keeps memory flat.
 */
/** The batch a rebuilt use mark names: none (all zeros, which no batch hash is). */
export const COMMITTED_USE = '0'.repeat(64) as Sha256Hex;

export async function rebuildDedup(db: Queryable, dedup: DedupStore, election: ElectionId): Promise<number> {
  let after = '';
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ h: CredentialHash; station: StationId; used: boolean }>(
      `SELECT encode(c.credential_hash, 'hex') AS h, c.station_id AS station, u.credential_hash IS NOT NULL AS used
         FROM credentials c
         LEFT JOIN credential_uses u ON u.election_id = c.election_id AND u.credential_hash = c.credential_hash
        WHERE c.election_id = $1 AND c.credential_hash > decode($2, 'hex')
        ORDER BY c.credential_hash
        LIMIT ${CHUNK}`,
      [election, after],
    );
    if (rows.length === 0) break;
    await dedup.addCredentials(
      election,
      rows.map((r) => ({ credential: r.h, station: r.station })),
    );
    const used = rows.flatMap((r) => (r.used ? [{ credential: r.h, station: r.station, batchHash: COMMITTED_USE }] : []));
    if (used.length > 0) await dedup.markUsed(election, used);
    total += rows.length;
    after = rows.at(-1)?.h ?? after;
  }
  await dedup.setLoaded(election);
  return total;
}

/**
 * Makes Redis hold exactly what Postgres holds for the election: forgets every key of its
 * stations, then rebuilds them. After Postgres is restored from a backup, Redis may still mark
 * credentials used by batches the restore took away; this removes those marks (the stations
 * send the batches again and they count afresh). Safe while validators run: until the rebuild
 * finishes they find no marks and Postgres decides alone.
 */
export async function resetDedup(db: Queryable, dedup: DedupStore, election: ElectionDefinition): Promise<number> {
  await dedup.forget(
    election.id,
    election.stations.map((s) => s.id),
  );
  return rebuildDedup(db, dedup, election.id);
}
