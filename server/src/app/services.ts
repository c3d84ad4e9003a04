import { randomBytes } from 'node:crypto';
import {
  exportPublicKeyOf,
  generateExportKeyPair,
  generateStationKeyPair,
  publicKeyOf,
  unwrap,
  type ExportPublicKey,
  type PublicKey,
} from '@scrutin/shared/node';
import type { Config } from '../config.ts';
import { migrate, pgliteDatabase, postgresDatabase, type Database } from '../db/database.ts';
import type { EventLogger } from '../logger.ts';
import { InProcessBroker, RabbitBroker, type BatchBroker } from '../pipeline/broker.ts';
import { MemoryDedupStore, RedisDedupStore, type DedupStore } from '../pipeline/dedup.ts';

/**
 * The three stores behind the central server, real or embedded. Production and CI use
 * Postgres, RabbitMQ and Redis; with no URLs configured (embedded mode) the same code runs
 * on PGlite, an in-process broker and an in-memory dedup store.
 */
export interface Services {
  readonly mode: 'services' | 'embedded';
  readonly db: Database;
  readonly dedup: DedupStore;
  readonly broker: BatchBroker;
  close(): Promise<void>;
}

/** `role` names the process on its Postgres connections (application_name). */
export async function openServices(config: Config, log: EventLogger, role?: string): Promise<Services> {
  const db =
    config.services === null
      ? await pgliteDatabase(config.dataDir)
      : postgresDatabase(config.services.databaseUrl, config.pgPoolSize, role);
  const applied = await migrate(db);
  if (applied.length > 0) log('migrations.applied', { versions: applied });
  if (config.services === null) return assemble('embedded', db, new MemoryDedupStore(), new InProcessBroker());
  const broker = new RabbitBroker(config.services.amqpUrl, config.namespace, (event, detail) => {
    log(event, detail instanceof Error ? { error: detail.message } : typeof detail === 'object' && detail !== null ? { ...detail } : {});
  });
  await broker.ensureConnected();
  return assemble('services', db, new RedisDedupStore(config.services.redis, config.namespace), broker);
}

export function assemble(mode: Services['mode'], db: Database, dedup: DedupStore, broker: BatchBroker): Services {
  return {
    mode,
    db,
    dedup,
    broker,
    async close() {
      await broker.close();
      await dedup.close();
      await db.close();
    },
  };
}

export interface CentralKey {
  readonly privateKeyPem: string;
  readonly publicKey: PublicKey;
}

/** The central receipt key: from configuration, or made once and kept in the database. */
export async function centralKey(db: Database, configured: string | undefined): Promise<CentralKey> {
  if (configured !== undefined) return { privateKeyPem: configured, publicKey: publicKeyOf(configured) };
  const row = await storedKey(db, 'receipts', generateStationKeyPair);
  return { privateKeyPem: row.privateKeyPem, publicKey: row.publicKey as PublicKey };
}

/**
 * A key made once and kept in `server_keys` under `name`: the first process to ask stores a
 * fresh one, every later one (and every other process) reads that same key back.
 */
async function storedKey(
  db: Database,
  name: 'receipts' | 'export' | 'pipeline',
  fresh: () => { readonly privateKeyPem: string; readonly publicKey: string },
): Promise<{ readonly privateKeyPem: string; readonly publicKey: string }> {
  const made = fresh();
  await db.query(`INSERT INTO server_keys (name, private_pem, public_key) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [
    name,
    made.privateKeyPem,
    made.publicKey,
  ]);
  const { rows } = await db.query<{ private_pem: string; public_key: string }>(
    'SELECT private_pem, public_key FROM server_keys WHERE name = $1',
    [name],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`the ${name} key could not be stored`);
  return { privateKeyPem: row.private_pem, publicKey: row.public_key };
}

export interface CentralExportKey {
  /** PKCS#8 PEM of the X25519 key that opens the stations' sealed exports. */
  readonly privateKeyPem: string;
  /** What the kits carry (`centralExportKey`) and GET /central-key serves (`exportKey`). */
  readonly publicKey: ExportPublicKey;
}

/**
 * The central export key, which stations seal their USB exports to (protocol/export_sealing):
 * from configuration (CENTRAL_EXPORT_KEY, checked by loadConfig), or made once and kept in the
 * database under the name 'export', like the receipt key.
 */
export async function centralExportKey(db: Database, configured: string | undefined): Promise<CentralExportKey> {
  if (configured !== undefined) return { privateKeyPem: configured, publicKey: unwrap(exportPublicKeyOf(configured)) };
  const row = await storedKey(db, 'export', generateExportKeyPair);
  return { privateKeyPem: row.privateKeyPem, publicKey: row.publicKey as ExportPublicKey };
}

/**
 * The pipeline key that seals queue messages (messages.ts): from configuration (PIPELINE_KEY),
 * or made once and kept in the database, so that the API and every validator share it. The
 * second is for demos and tests only: a reader of the database could then open the queue.
 */
export async function pipelineKey(db: Database, configured: Buffer | undefined): Promise<Buffer> {
  if (configured !== undefined) return configured;
  const row = await storedKey(db, 'pipeline', () => ({ privateKeyPem: randomBytes(32).toString('base64'), publicKey: '' }));
  return Buffer.from(row.privateKeyPem, 'base64');
}
