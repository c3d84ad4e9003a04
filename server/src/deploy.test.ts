import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from './config.ts';

/**
 * The Dockerfile and docker-compose.yml cannot be run on machines without a Docker engine;
 * this keeps them true to the repository by reading them.
 */
const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'server/bin/scrutin.js');

interface ComposeService {
  readonly image?: string;
  readonly build?: string;
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly depends_on?: Record<string, unknown>;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');

async function scrutinCommands(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--help']);
  const commands = stdout.split('Commands:')[1] ?? '';
  return [...commands.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] ?? '');
}

describe('docker-compose.yml', () => {
  const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it('runs the API and the validators with commands the scrutin CLI has', async () => {
    const commands = await scrutinCommands();
    expect(built.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    for (const [, service] of built) expect(commands).toContain(service.command?.[0]);
  });

  it('gives both a valid production configuration pointing at services it defines', () => {
    for (const [name, service] of built) {
      const config = loadConfig(service.environment ?? {});
      expect(config.ok, name).toBe(true);
      if (!config.ok || config.value.services === null) throw new Error(`${name} would run in embedded mode`);
      const { databaseUrl, amqpUrl, redis } = config.value.services;
      const redisUrls = redis.kind === 'server' ? [redis.url] : redis.nodes;
      for (const url of [databaseUrl, amqpUrl, ...redisUrls]) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dependency);
    }
  });
});

describe('Dockerfile', () => {
  it('copies files that exist, including every workspace manifest npm ci needs', () => {
    const copies = dockerfile.filter((l) => l.startsWith('COPY ') && !l.includes('--from')).map((l) => l.split(/\s+/)[1] ?? '');
    for (const source of copies) expect(existsSync(join(ROOT, source)), source).toBe(true);
    const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    for (const workspace of workspaces) expect(copies).toContain(`${workspace}/package.json`);
  });

  it('starts the scrutin bin with serve by default', () => {
    const entrypoint = JSON.parse(dockerfile.find((l) => l.startsWith('ENTRYPOINT '))?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
    expect(entrypoint[0]).toBe('node');
    expect(existsSync(join(ROOT, entrypoint[1] ?? ''))).toBe(true);
    expect(dockerfile).toContain('CMD ["serve"]');
  });
});
