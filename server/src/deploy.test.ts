import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { unwrap } from '@scrutin/shared/node';
import { BUNDLE_CLI } from './bundle/bundle_server.ts';
import { loadConfig } from './config.ts';
import { postgresSettingErrors } from './testing/postgres_settings.ts';

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
  readonly depends_on?: Record<string, unknown> | readonly string[];
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly expose?: readonly string[];
  readonly networks?: { readonly default?: { readonly ipv4_address?: string } };
}
// Merge keys (`<<: *scrutin-env`) as Docker Compose reads them.
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const serviceNames = Object.keys(compose.services);
const dependencies = (s: ComposeService): readonly string[] => {
  const on = s.depends_on ?? {};
  return isList(on) ? on : Object.keys(on);
};
const isList = (on: Record<string, unknown> | readonly string[]): on is readonly string[] => Array.isArray(on);

/** The bind mounts of a service: host path (from the repository root) → path in the container. */
function mounts(service: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const volume of compose.services[service]?.volumes ?? []) {
    const [host = '', container = ''] = volume.split(':');
    if (host.startsWith('./')) out.set(container, join(ROOT, host));
  }
  return out;
}

/** Where a path inside a container comes from on the host, through the service's bind mounts. */
function hostPath(service: string, inContainer: string): string | undefined {
  for (const [container, host] of mounts(service)) {
    if (inContainer === container) return host;
    if (inContainer.startsWith(`${container}/`)) return join(host, inContainer.slice(container.length + 1));
  }
  return undefined;
}

const flag = (service: string, name: string) =>
  (compose.services[service]?.command ?? []).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');

async function scrutinCommands(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--help']);
  const commands = stdout.split('Commands:')[1] ?? '';
  return [...commands.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] ?? '');
}

describe('docker-compose.yml', () => {
  const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it('runs two API replicas and the validators with commands the scrutin CLI has', async () => {
    const commands = await scrutinCommands();
    expect(built.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'worker']);
    for (const [, service] of built) expect(commands).toContain(service.command?.[0]);
    expect(compose.services['api-1']?.command).toEqual(['serve']);
    expect(compose.services['api-2']?.command).toEqual(['serve']);
    expect(compose.services.worker?.command).toEqual(['worker']);
  });

  it('mounts only configuration files and folders that exist', () => {
    for (const service of serviceNames) {
      for (const [container, host] of mounts(service)) expect(existsSync(host), `${service}: ${host} for ${container}`).toBe(true);
    }
    // Each configuration a program is told to read comes from a mounted file.
    const configs: [string, string | undefined][] = [
      ['prometheus', flag('prometheus', 'config.file')],
      ['alertmanager', flag('alertmanager', 'config.file')],
      ['proxy', '/etc/caddy/Caddyfile'],
      ['grafana', '/etc/grafana/provisioning/datasources/prometheus.yml'],
      ['grafana', '/etc/grafana/provisioning/dashboards/scrutin.yml'],
    ];
    for (const [service, inContainer] of configs) {
      const host = inContainer === undefined ? undefined : hostPath(service, inContainer);
      expect(host !== undefined && statSync(host).isFile(), `${service}: ${inContainer ?? '(no --config.file)'}`).toBe(true);
    }
  });

  it("runs Postgres with the Helm chart's election-night settings, each valid for Postgres", async () => {
    const command = compose.services.postgres?.command ?? [];
    expect(command[0]).toBe('postgres');
    const settings = Object.fromEntries(
      command.slice(1).flatMap((arg, i, args) => (args[i - 1] === '-c' ? [arg.split(/=(.*)/s).slice(0, 2) as [string, string]] : [])),
    );
    // Every argument after `postgres` is a `-c name=value` pair.
    expect(Object.keys(settings).length * 2).toBe(command.length - 1);
    const chart = parse(readFileSync(join(ROOT, 'deploy/helm/scrutin/values.yaml'), 'utf8')) as {
      postgres: { cluster: { parameters: Record<string, string> } };
    };
    expect(settings).toEqual(chart.postgres.cluster.parameters);
    expect(await postgresSettingErrors(settings)).toEqual([]);
  });

  it('puts the API replicas behind the proxy, which names every one of them and serves TLS', () => {
    const apis = built.filter(([, s]) => s.command?.[0] === 'serve').map(([name]) => name);
    const caddyfile = readFileSync(hostPath('proxy', '/etc/caddy/Caddyfile') ?? '', 'utf8');
    const upstreams = /^\s*reverse_proxy\s+([^{\n]+)/m.exec(caddyfile)?.[1]?.trim().split(/\s+/) ?? [];
    const port = String(unwrap(loadConfig(compose.services['api-1']?.environment ?? {})).port);
    expect(upstreams.sort()).toEqual(apis.map((a) => `${a}:${port}`).sort());
    expect(caddyfile).toMatch(/^\s*tls internal$/m);
    expect(caddyfile).toMatch(/^\s*health_uri \/readyz$/m);
    // Readiness is on the admin listener, not on the public port Caddy forwards.
    const metricsPort = unwrap(loadConfig(compose.services['api-1']?.environment ?? {})).metricsPort;
    expect(metricsPort).toBeDefined();
    expect(caddyfile).toMatch(new RegExp(`^\\s*health_port ${String(metricsPort)}$`, 'm'));
    expect(
      dependencies(compose.services.proxy ?? {})
        .slice()
        .sort(),
    ).toEqual(apis.sort());
    expect(compose.services.proxy?.ports).toContain('443:443');
    // The API trusts the proxy's fixed address only, and names an https URL in kits.
    const proxyAddress = compose.services.proxy?.networks?.default?.ipv4_address;
    expect(proxyAddress).toBeDefined();
    for (const api of apis) {
      const config = unwrap(loadConfig(compose.services[api]?.environment ?? {}));
      expect(config.trustProxy).toEqual([proxyAddress]);
      expect(config.publicUrl).toMatch(/^https:\/\//);
    }
  });

  it('is a Caddyfile that Caddy itself accepts', async () => {
    const home = mkdtempSync(join(tmpdir(), 'scrutin-caddy-'));
    try {
      const { stdout, stderr } = await promisify(execFile)(
        'caddy',
        ['validate', '--config', hostPath('proxy', '/etc/caddy/Caddyfile') ?? '', '--adapter', 'caddyfile'],
        { env: { ...process.env, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home } },
      ).catch((error: unknown) => {
        const e = error as { code?: unknown; stdout?: string; stderr?: string };
        throw new Error(e.code === 'ENOENT' ? 'caddy is not installed: apt-get install caddy' : `${e.stdout ?? ''}${e.stderr ?? ''}`);
      });
      expect(stdout + stderr).toContain('Valid configuration');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('has Prometheus scrape every API replica and every validator, and alert through Alertmanager', () => {
    const config = parse(readFileSync(hostPath('prometheus', flag('prometheus', 'config.file') ?? '') ?? '', 'utf8')) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
      }[];
    };
    const job = (name: string) => config.scrape_configs.find((c) => c.job_name === name);
    const apis = built.filter(([, s]) => s.command?.[0] === 'serve').map(([name]) => name);
    const port = unwrap(loadConfig(compose.services['api-1']?.environment ?? {})).metricsPort;
    expect(port).toBeDefined();
    expect(compose.services['api-1']?.expose).toContain(String(port));
    expect(
      job('scrutin-api')
        ?.static_configs?.flatMap((c) => c.targets)
        .sort(),
    ).toEqual(apis.map((a) => `${a}:${String(port)}`).sort());
    const workerPort = unwrap(loadConfig(compose.services.worker?.environment ?? {})).metricsPort;
    expect(job('scrutin-worker')?.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: workerPort })]);
    expect(compose.services.worker?.expose).toContain(String(workerPort));
    for (const file of config.rule_files) expect(existsSync(join(ROOT, 'deploy/prometheus', file)), file).toBe(true);
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
    expect(serviceNames).toContain('alertmanager');
  });

  it('has Grafana read Prometheus and load the dashboards from where they are mounted', () => {
    const datasources = parse(readFileSync(hostPath('grafana', '/etc/grafana/provisioning/datasources/prometheus.yml') ?? '', 'utf8')) as {
      datasources: { type: string; url: string }[];
    };
    const prometheus = datasources.datasources.find((d) => d.type === 'prometheus');
    expect(prometheus?.url).toBe('http://prometheus:9090');
    const providers = parse(readFileSync(hostPath('grafana', '/etc/grafana/provisioning/dashboards/scrutin.yml') ?? '', 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const path = providers.providers[0]?.options.path ?? '';
    const dashboards = hostPath('grafana', path);
    expect(dashboards).toBe(join(ROOT, 'deploy/grafana/dashboards'));
    const home = compose.services.grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(existsSync(hostPath('grafana', home) ?? ''), home).toBe(true);
  });

  it('gives both a valid production configuration pointing at services it defines', () => {
    for (const [name, service] of built) {
      const config = loadConfig(service.environment ?? {});
      expect(config.ok, name).toBe(true);
      if (!config.ok || config.value.services === null) throw new Error(`${name} would run in embedded mode`);
      // Set explicitly, not only by default: the production floors and no in-server cards.
      expect(service.environment?.SCRUTIN_MODE, name).toBe('production');
      expect(config.value.mode, name).toBe('production');
      const { databaseUrl, amqpUrl, redis } = config.value.services;
      const redisUrls = redis.kind === 'server' ? [redis.url] : redis.nodes;
      for (const url of [databaseUrl, amqpUrl, ...redisUrls]) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
      for (const dependency of dependencies(service)) expect(serviceNames).toContain(dependency);
    }
  });
});

describe('Dockerfile', () => {
  it('copies files that exist, including every workspace manifest npm ci needs', () => {
    const copies = dockerfile.filter((l) => l.startsWith('COPY ') && !l.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of copies) expect(existsSync(join(ROOT, source)), source).toBe(true);
    const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    for (const workspace of workspaces) expect(copies).toContain(`${workspace}/package.json`);
  });

  it('builds the console and bundles the server with the step the bundle test runs, and starts the bundle with serve by default', () => {
    const runs = dockerfile.join('\n');
    expect(runs).toContain('npm run build -w @scrutin/server');
    expect(runs).toContain('npm run bundle -w @scrutin/server -- /out');
    const serverScripts = (JSON.parse(readFileSync(join(ROOT, 'server/package.json'), 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    expect(serverScripts.bundle).toContain('src/bundle/bundle_server.ts');
    expect(dockerfile).toContain('COPY --from=build /out /app');
    const entrypoint = JSON.parse(dockerfile.find((l) => l.startsWith('ENTRYPOINT '))?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
    expect(entrypoint).toEqual(['node', BUNDLE_CLI]);
    expect(dockerfile).toContain('CMD ["serve"]');
  });

  it('runs as an unprivileged user, without tsx, and checks its own health', () => {
    const runtime = dockerfile.slice(dockerfile.findLastIndex((l) => l.startsWith('FROM ')));
    expect(runtime).toContain('USER node');
    expect(runtime.join('\n')).not.toMatch(/tsx/);
    expect(runtime.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('/healthz'))).toBe(true);
  });
});
