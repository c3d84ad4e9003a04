import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureConsoleBuilt } from '../api/console_static.ts';
import { RabbitBroker } from '../pipeline/broker.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { bundleServer, type BundleLayout } from './bundle_server.ts';

/**
 * The central image's server, for real: bundled by the Dockerfile's own step into a folder
 * outside the repository (so nothing can be found in the repository's node_modules), then
 * started with plain node against the real PostgreSQL (a fresh database), RabbitMQ and Redis.
 */
const out = mkdtempSync(join(tmpdir(), 'scrutin-bundle-'));
const ns = testNamespace();
let layout: BundleLayout;
let db: TestDatabase;
let server: ChildProcessWithoutNullStreams | null = null;
let url = '';
let metricsUrl = '';
let logs = '';

beforeAll(async () => {
  await ensureConsoleBuilt();
  layout = await bundleServer(out);
  db = await createTestDatabase();
  server = spawn(process.execPath, [layout.cli, 'serve', '--port', '0'], {
    cwd: out,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      AMQP_URL: SERVICE_URLS.amqp,
      REDIS_URL: SERVICE_URLS.redis,
      SCRUTIN_NAMESPACE: ns,
      METRICS_PORT: '0',
    },
  });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the bundled server did not start:\n${logs}`));
    }, 60_000);
    const seen = (chunk: Buffer) => {
      logs += chunk.toString('utf8');
      const m = /Scrutin central API on (http:\/\/127\.0\.0\.1:\d+) \(services mode\)/.exec(logs);
      const admin = /Metrics and probes on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs);
      if (m?.[1] !== undefined && admin?.[1] !== undefined) {
        clearTimeout(timer);
        metricsUrl = admin[1];
        resolve(m[1]);
      }
    };
    server?.stdout.on('data', seen);
    server?.stderr.on('data', seen);
    server?.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bundled server exited (${String(code)}):\n${logs}`));
    });
  });
}, 180_000);

afterAll(async () => {
  if (server !== null && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await new RabbitBroker(SERVICE_URLS.amqp, ns).destroy();
  const redis = new Redis(SERVICE_URLS.redis);
  const stale = await redis.keys(`*${ns}*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await db.drop();
  rmSync(out, { recursive: true, force: true });
}, 60_000);

describe('the bundled central server', () => {
  it('is one ES module that needs neither tsx nor the repository', () => {
    const bundle = readFileSync(layout.cli, 'utf8');
    expect(bundle).not.toMatch(/from ["']tsx|tsx\/esm/);
    expect(readdirSync(join(out, 'server/node_modules')).sort()).toEqual([
      '@electric-sql',
      'better-sqlite3',
      'bindings',
      'file-uri-to-path',
    ]);
    expect(existsSync(join(out, 'node_modules'))).toBe(false);
  });

  it('answers /healthz, and /readyz on its admin listener, against PostgreSQL, RabbitMQ and Redis, with its migrations applied', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = z
      .object({ status: z.string(), checks: z.record(z.string(), z.string()) })
      .parse(await (await fetch(`${metricsUrl}/readyz`)).json());
    expect(ready.status).toBe('ready');
    expect(Object.values(ready.checks).every((c) => c === 'ok')).toBe(true);
    expect((await fetch(`${url}/readyz`)).status).toBe(404);
    expect(logs).toContain('"event":"migrations.applied"');
  });

  it('serves the built results console', async () => {
    expect(layout.consoleBuilt).toBe(true);
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it('runs the credentials worker threads from the bundle too', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [layout.cli, ...args], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(run('election', 'sample', '--out', 'election').status).toBe(0);
    const generated = run('credentials', 'generate', '--election', 'election/election.json', '--out', 'creds', '--workers', '2');
    expect(generated.stderr).not.toMatch(/error/i);
    expect(generated.status).toBe(0);
    expect(existsSync(join(out, 'creds', 'manifest.json'))).toBe(true);
  }, 120_000);
});
