import { isIP } from 'node:net';
import { z } from 'zod';
import { err, ok, type Result, describeIssues, exportPublicKeyOf, issuesOf } from '@scrutin/shared/node';

/**
 * The central server's configuration, from the environment, validated once at start-up.
 * With DATABASE_URL, AMQP_URL and REDIS_URL all unset the server runs in embedded mode
 * (PGlite, an in-process broker, in-memory dedup); setting only some of them is an error.
 * REDIS_CLUSTER_NODES (a Redis Cluster's nodes) stands in for REDIS_URL.
 */
/**
 * What the server is run for. `production` enforces the election-security floors (KDF,
 * anonymity set) and forbids generating voter cards in the server; `demo` (the embedded
 * `npm start`) may generate them in process; `test` is the test harness (small settings).
 */
export const SCRUTIN_MODES = ['production', 'demo', 'test'] as const;
export type ScrutinMode = (typeof SCRUTIN_MODES)[number];

const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.url().optional())
  .optional();

const EnvSchema = z.object({
  DATABASE_URL: optionalUrl,
  /** One amqp:// URL, or a RabbitMQ cluster's nodes separated by commas (a lost connection moves to the next). */
  AMQP_URL: z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(
      z
        .string()
        .refine((s) => s.split(',').every((u) => z.url({ protocol: /^amqps?$/ }).safeParse(u.trim()).success), {
          message: 'one amqp:// URL, or several separated by commas',
        })
        .optional(),
    )
    .optional(),
  REDIS_URL: optionalUrl,
  /** Comma-separated redis:// URLs of Redis Cluster nodes (any reachable one is enough to find the rest); replaces REDIS_URL. */
  REDIS_CLUSTER_NODES: z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s.split(',').map((u) => u.trim())))
    .pipe(
      z
        .array(z.url({ protocol: /^rediss?$/ }))
        .min(1)
        .optional(),
    )
    .optional(),
  /** Where the embedded mode keeps its PGlite database; unset means in memory. */
  SCRUTIN_DATA_DIR: z.string().optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PG_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Unacknowledged batches a validator holds at once. */
  WORKER_PREFETCH: z.coerce.number().int().min(1).max(1000).default(8),
  /** Largest accepted request body, in bytes. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** Prefix of RabbitMQ queue/exchange names and Redis keys, so test runs do not collide. */
  SCRUTIN_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/)
    .default('scrutin'),
  /** PKCS#8 PEM of the central Ed25519 receipt key; unset means one is made and kept in the database. */
  CENTRAL_SIGNING_KEY: z.string().optional(),
  /**
   * PKCS#8 PEM of the central X25519 export key, which opens the stations' sealed USB exports
   * (`scrutin import-batches`); the kits hold its public half. Unset: one is made and kept in
   * the database, which suits a demo; production sets it from a secret store.
   */
  CENTRAL_EXPORT_KEY: z
    .string()
    .optional()
    .refine((s) => s === undefined || exportPublicKeyOf(s).ok, 'CENTRAL_EXPORT_KEY must be the PKCS#8 PEM of an X25519 private key'),
  /**
   * The AES-256-GCM key (32 bytes, base64) the API seals queue messages with and the validators
   * open them with. Unset: one is made and kept in the database, which suits a demo but lets a
   * reader of the database open the queue; production sets it from a secret store.
   */
  PIPELINE_KEY: z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(
      z
        .base64()
        .refine((s) => Buffer.from(s, 'base64').length === 32, 'PIPELINE_KEY must be 32 bytes in base64 (44 characters)')
        .optional(),
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The reverse proxies in front of the API (docker-compose's Caddy, a Kubernetes ingress),
   * comma-separated: addresses, CIDRs (`10.0.0.0/8`, `fd00::/8`) or Express's names
   * `loopback`, `linklocal`, `uniquelocal`. A request from one of them is read back through
   * X-Forwarded-For (and X-Forwarded-Proto) to the first address that is not a trusted proxy:
   * that is the client login limits count by. Unset (the default): no proxy is trusted.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .transform((s) => (s === '' ? [] : s.split(',').map((a) => a.trim())))
    .pipe(z.array(z.string().refine(isProxySpec, { message: 'an IP address, a CIDR, loopback, linklocal or uniquelocal' })))
    .default([]),
  /** Replaced by TRUST_PROXY: counting hops trusts whatever X-Forwarded-For a client sends when the API is reached directly. */
  TRUST_PROXY_HOPS: z.string().optional(),
  /**
   * The address stations reach this server at, written into every station kit
   * (`centralUrl`): https, or http on a loopback address for a test on one machine. Unset, a
   * kit can be built only when the API listens on a loopback address (it then names that).
   */
  PUBLIC_URL: z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(z.url().refine(isPublicUrl, { message: 'an https:// URL (http:// only on a loopback address), with no path' }).optional())
    .optional(),
  /**
   * The admin listener: where `scrutin worker` (default 9464) and `scrutin serve` (no default:
   * unset, the API serves no metrics) serve /metrics and /readyz (and /healthz), on HOST.
   * Never publish it: it is for Prometheus and the orchestrator's probes. 0 picks a free port.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** How often the API recounts the gauges it reads from Postgres (silent stations, certification blocked). */
  SCRUTIN_MONITOR_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(15),
  /** A station of an open election with no batch for this long (and polls open this long) counts as silent. */
  SCRUTIN_SILENT_AFTER_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** Lifetime of an enrolment token an official issues without saying one (hours). */
  ENROLMENT_TOKEN_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
  /** Station requests (batches, enrolment, status) one client address may make per minute. */
  SYNC_RATE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  /** Batches and enrolments one station may have answered per minute (only requests its key or token proved). */
  SYNC_RATE_PER_STATION: z.coerce.number().int().min(1).max(1_000_000).default(300),
  /** Batches this API process takes in at once; beyond, `503 busy` with Retry-After. */
  SYNC_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  /** Results event streams this API process holds open; beyond, `503 busy`. */
  SSE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  /** Results event streams one client address may hold open; beyond, `429 rate-limited`. */
  SSE_MAX_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Receipt checks (`GET /elections/:id/receipts/:code`) one client address may make per minute. */
  RECEIPT_RATE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /**
   * production | demo | test. Unset: production when the services are configured, demo in
   * embedded mode. Production refuses election definitions with a KDF below the production
   * floor or an anonymity set below 25, and never generates voter cards in the server.
   */
  SCRUTIN_MODE: z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(z.enum(SCRUTIN_MODES).optional())
    .optional(),
});

/** One Redis server, or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  { readonly kind: 'server'; readonly url: string } | { readonly kind: 'cluster'; readonly nodes: readonly string[] };

export interface ServicesConfig {
  readonly databaseUrl: string;
  readonly amqpUrl: string;
  readonly redis: RedisTarget;
}

/** The environment variables that give a child process (a worker, a CLI) the same services. */
export function servicesEnv(services: ServicesConfig): Record<string, string> {
  // The other variable empty, so an inherited one cannot make the pair contradict.
  const redis: Record<string, string> =
    services.redis.kind === 'server'
      ? { REDIS_URL: services.redis.url, REDIS_CLUSTER_NODES: '' }
      : { REDIS_URL: '', REDIS_CLUSTER_NODES: services.redis.nodes.join(',') };
  return { DATABASE_URL: services.databaseUrl, AMQP_URL: services.amqpUrl, ...redis };
}

export interface Config {
  /** See SCRUTIN_MODES. */
  readonly mode: ScrutinMode;
  /** null in embedded mode. */
  readonly services: ServicesConfig | null;
  readonly dataDir: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly pgPoolSize: number;
  readonly workerPrefetch: number;
  readonly maxBodyBytes: number;
  readonly namespace: string;
  readonly centralSigningKey: string | undefined;
  readonly centralExportKey: string | undefined;
  readonly pipelineKey: Buffer | undefined;
  readonly logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** The admin listener's port (/metrics, /readyz); undefined: the API has none, a worker uses 9464. */
  readonly metricsPort: number | undefined;
  /** Trusted reverse proxies for Express's `trust proxy` (empty: none). */
  readonly trustProxy: readonly string[];
  /** The origin written into station kits (no trailing slash), if configured. */
  readonly publicUrl: string | undefined;
  readonly monitorIntervalMs: number;
  readonly silentAfterSeconds: number;
  readonly enrolmentTokenTtlHours: number;
  readonly limits: RequestLimitsConfig;
}

/** The cost bounds of the public routes (docs/operators.md, "Rate limits and caps"). */
export interface RequestLimitsConfig {
  readonly syncPerIpPerMinute: number;
  readonly syncPerStationPerMinute: number;
  readonly syncMaxConcurrency: number;
  readonly sseMaxConnections: number;
  readonly sseMaxPerIp: number;
  readonly receiptsPerIpPerMinute: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Result<Config, string> {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) return err(`invalid configuration:\n${describeIssues(issuesOf(parsed.error))}`);
  const e = parsed.data;
  if (e.REDIS_URL !== undefined && e.REDIS_CLUSTER_NODES !== undefined) {
    return err('invalid configuration: set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  const redis: RedisTarget | undefined =
    e.REDIS_CLUSTER_NODES !== undefined
      ? { kind: 'cluster', nodes: e.REDIS_CLUSTER_NODES }
      : e.REDIS_URL === undefined
        ? undefined
        : { kind: 'server', url: e.REDIS_URL };
  if (e.TRUST_PROXY_HOPS !== undefined && e.TRUST_PROXY_HOPS.trim() !== '' && e.TRUST_PROXY_HOPS.trim() !== '0') {
    return err(
      'invalid configuration: TRUST_PROXY_HOPS is replaced by TRUST_PROXY, the addresses or CIDRs of the reverse proxies (for example TRUST_PROXY=10.0.0.0/8)',
    );
  }
  const urls = [e.DATABASE_URL, e.AMQP_URL, redis];
  const set = urls.filter((u) => u !== undefined).length;
  if (set !== 0 && set !== 3) {
    return err(
      'invalid configuration: set all of DATABASE_URL, AMQP_URL and REDIS_URL (or REDIS_CLUSTER_NODES) for production, or none of them (embedded mode)',
    );
  }
  return ok({
    mode: e.SCRUTIN_MODE ?? (set === 3 ? 'production' : 'demo'),
    services:
      e.DATABASE_URL !== undefined && e.AMQP_URL !== undefined && redis !== undefined
        ? { databaseUrl: e.DATABASE_URL, amqpUrl: e.AMQP_URL, redis }
        : null,
    dataDir: e.SCRUTIN_DATA_DIR,
    host: e.HOST,
    port: e.PORT,
    pgPoolSize: e.PG_POOL_SIZE,
    workerPrefetch: e.WORKER_PREFETCH,
    maxBodyBytes: e.MAX_BODY_BYTES,
    namespace: e.SCRUTIN_NAMESPACE,
    centralSigningKey: e.CENTRAL_SIGNING_KEY,
    centralExportKey: e.CENTRAL_EXPORT_KEY,
    pipelineKey: e.PIPELINE_KEY === undefined ? undefined : Buffer.from(e.PIPELINE_KEY, 'base64'),
    logLevel: e.LOG_LEVEL,
    metricsPort: e.METRICS_PORT,
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL === undefined ? undefined : new URL(e.PUBLIC_URL).origin,
    monitorIntervalMs: Math.round(e.SCRUTIN_MONITOR_INTERVAL_SECONDS * 1000),
    silentAfterSeconds: e.SCRUTIN_SILENT_AFTER_SECONDS,
    enrolmentTokenTtlHours: e.ENROLMENT_TOKEN_TTL_HOURS,
    limits: {
      syncPerIpPerMinute: e.SYNC_RATE_PER_IP,
      syncPerStationPerMinute: e.SYNC_RATE_PER_STATION,
      syncMaxConcurrency: e.SYNC_MAX_CONCURRENCY,
      sseMaxConnections: e.SSE_MAX_CONNECTIONS,
      sseMaxPerIp: e.SSE_MAX_PER_IP,
      receiptsPerIpPerMinute: e.RECEIPT_RATE_PER_IP,
    },
  });
}

const PROXY_NAMES: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR or one of Express's named ranges. */
function isProxySpec(spec: string): boolean {
  if (PROXY_NAMES.has(spec)) return true;
  const [address = '', bits, ...rest] = spec.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** A loopback host: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** https anywhere; http only on a loopback host (a test on one machine). No path, query or fragment. */
function isPublicUrl(value: string): boolean {
  const url = new URL(value);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== ''))
    return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
