import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * One interface over the two Postgres engines Scrutin runs on: a real server through a `pg`
 * pool (production, CI) and PGlite in process (embedded mode for `npm start` and laptops).
 * The same SQL and the same migrations run on both.
 */
export interface Queryable {
  /**
   * `name` makes it a prepared statement on Postgres (planned once per connection): the hot
   * paths name theirs. PGlite, in process, ignores it.
   */
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[], name?: string): Promise<{ rows: R[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * `applicationName` names the process's role on each of its connections (`scrutin-api`,
 * `scrutin-worker`…): `pg_stat_activity`, the server's logs and the national benchmark's
 * Postgres CPU by role read it. Without it, libpq's PGAPPNAME applies.
 */
export function postgresDatabase(url: string, poolSize: number, applicationName?: string): Database {
  // Parallel query helps reports, not a pipeline of short transactions on a few cores.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: '-c max_parallel_workers_per_gather=0',
    ...(applicationName === undefined ? {} : { application_name: applicationName }),
  });
  // An idle client losing its connection (a Postgres restart) must not crash the process.
  pool.on('error', () => undefined);
  return {
    engine: 'postgres',
    async query<R extends object>(text: string, params?: readonly unknown[], name?: string) {
      const result = await pool.query<R>({ text, values: params as unknown[] | undefined, ...(name === undefined ? {} : { name }) });
      return { rows: result.rows };
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<R extends object>(text: string, params?: readonly unknown[], name?: string) {
            const result = await client.query<R>({
              text,
              values: params as unknown[] | undefined,
              ...(name === undefined ? {} : { name }),
            });
            return { rows: result.rows };
          },
          async exec(sql: string) {
            await client.query(sql);
          },
        };
        const value = await work(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export async function pgliteDatabase(dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  return {
    engine: 'pglite',
    async query<R extends object>(text: string, params?: readonly unknown[]) {
      const result = await db.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows };
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (t) =>
        work({
          async query<R extends object>(text: string, params?: readonly unknown[]) {
            const result = await t.query<R>(text, params as unknown[] | undefined);
            return { rows: result.rows };
          },
          async exec(sql: string) {
            await t.exec(sql);
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The numbered SQL files in db/migrations, in order: `0001_init.sql`, `0002_...`. */
export function migrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies the migrations not yet applied, forward only, all in one transaction: a failed
 * migration leaves the schema as it was. An advisory lock makes concurrent starts (API and
 * validators together) wait for each other.
 * A database from a newer version of Scrutin is refused.
 */
export async function migrate(db: Database, available: readonly Migration[] = migrations()): Promise<number[]> {
  const latest = available.at(-1)?.version ?? 0;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727274)');
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new Error(`the database is at schema version ${newest}, newer than this Scrutin (${latest}): upgrade Scrutin`);
    }
    const done: number[] = [];
    for (const m of available) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      done.push(m.version);
    }
    return done;
  });
}

/** A `Database` whose `transaction` joins the transaction already open in `tx`. */
export function insideTransaction(db: Database, tx: Queryable): Database {
  return {
    engine: db.engine,
    query: (text, params) => tx.query(text, params),
    exec: (sql) => tx.exec(sql),
    transaction: (work) => work(tx),
    close: () => Promise.reject(new Error('cannot close a database from inside a transaction')),
  };
}
