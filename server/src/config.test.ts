import { generateExportKeyPair, generateStationKeyPair, unwrap } from '@scrutin/shared/node';
import { describe, expect, it } from 'vitest';
import { loadConfig, servicesEnv } from './config.ts';

/** The services part of the configuration: one Redis or a Redis Cluster, one RabbitMQ node or several. */
const BASE = { DATABASE_URL: 'postgres://db/scrutin', AMQP_URL: 'amqp://u:p@rmq-0:5672' };

describe('the services configuration', () => {
  it('takes one Redis server from REDIS_URL', () => {
    const config = unwrap(loadConfig({ ...BASE, REDIS_URL: 'redis://cache:6379' }));
    expect(config.services?.redis).toEqual({ kind: 'server', url: 'redis://cache:6379' });
  });

  it('takes a Redis Cluster from REDIS_CLUSTER_NODES instead', () => {
    const config = unwrap(loadConfig({ ...BASE, REDIS_CLUSTER_NODES: 'redis://r0:7000, redis://r1:7001,rediss://r2:7002' }));
    expect(config.services?.redis).toEqual({ kind: 'cluster', nodes: ['redis://r0:7000', 'redis://r1:7001', 'rediss://r2:7002'] });
  });

  it('refuses both, a node that is not a redis URL, and an AMQP list with a bad member', () => {
    expect(loadConfig({ ...BASE, REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'redis://r0:7000' })).toEqual({
      ok: false,
      error: 'invalid configuration: set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    });
    const badNode = loadConfig({ ...BASE, REDIS_CLUSTER_NODES: 'redis://r0:7000,http://r1:7001' });
    expect(badNode.ok).toBe(false);
    if (!badNode.ok) expect(badNode.error).toContain('REDIS_CLUSTER_NODES');
    const badAmqp = loadConfig({ ...BASE, AMQP_URL: 'amqp://rmq-0:5672,not a url', REDIS_URL: 'redis://cache:6379' });
    expect(badAmqp.ok).toBe(false);
    if (!badAmqp.ok) expect(badAmqp.error).toContain('one amqp:// URL, or several separated by commas');
  });

  it('takes a RabbitMQ cluster as AMQP_URL nodes separated by commas', () => {
    const config = unwrap(
      loadConfig({ ...BASE, AMQP_URL: 'amqp://u:p@rmq-0:5672,amqp://u:p@rmq-1:5672', REDIS_URL: 'redis://cache:6379' }),
    );
    expect(config.services?.amqpUrl).toBe('amqp://u:p@rmq-0:5672,amqp://u:p@rmq-1:5672');
  });

  it('gives a child process the same services, whatever it inherits', () => {
    for (const env of [
      { ...BASE, REDIS_URL: 'redis://cache:6379' },
      { ...BASE, REDIS_CLUSTER_NODES: 'redis://r0:7000,redis://r1:7001' },
    ]) {
      const services = unwrap(loadConfig(env)).services;
      if (services === null) throw new Error('services expected');
      const inherited = { REDIS_URL: 'redis://elsewhere:6379', REDIS_CLUSTER_NODES: 'redis://other:7000' };
      expect(unwrap(loadConfig({ ...inherited, ...servicesEnv(services) })).services).toEqual(services);
    }
  });
});

describe('the cost bounds and enrolment configuration', () => {
  it('has the documented defaults (docs/operators.md)', () => {
    const config = unwrap(loadConfig({}));
    expect(config.enrolmentTokenTtlHours).toBe(24);
    expect(config.limits).toEqual({
      syncPerIpPerMinute: 1200,
      syncPerStationPerMinute: 300,
      syncMaxConcurrency: 32,
      sseMaxConnections: 5000,
      sseMaxPerIp: 20,
      receiptsPerIpPerMinute: 30,
    });
  });

  it('reads them from the environment and refuses nonsense', () => {
    const config = unwrap(
      loadConfig({
        SYNC_RATE_PER_IP: '50',
        SYNC_MAX_CONCURRENCY: '4',
        SSE_MAX_PER_IP: '2',
        RECEIPT_RATE_PER_IP: '5',
        ENROLMENT_TOKEN_TTL_HOURS: '2',
      }),
    );
    expect(config.limits).toMatchObject({ syncPerIpPerMinute: 50, syncMaxConcurrency: 4, sseMaxPerIp: 2, receiptsPerIpPerMinute: 5 });
    expect(config.enrolmentTokenTtlHours).toBe(2);
    for (const bad of [
      { SYNC_RATE_PER_IP: '0' },
      { RECEIPT_RATE_PER_IP: '0' },
      { SYNC_MAX_CONCURRENCY: 'many' },
      { ENROLMENT_TOKEN_TTL_HOURS: '1000' },
    ]) {
      expect(loadConfig(bad).ok).toBe(false);
    }
  });
});

describe('the proxy, public URL and admin listener configuration', () => {
  it('trusts no proxy by default, and the listed addresses, CIDRs and named ranges of TRUST_PROXY', () => {
    expect(unwrap(loadConfig({})).trustProxy).toEqual([]);
    expect(unwrap(loadConfig({ TRUST_PROXY: '10.89.0.2, 10.0.0.0/8,fd00::/8,loopback' })).trustProxy).toEqual([
      '10.89.0.2',
      '10.0.0.0/8',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.example.org', '1', 'everyone']) expect(loadConfig({ TRUST_PROXY: bad }).ok, bad).toBe(false);
  });

  it('refuses the former TRUST_PROXY_HOPS, which trusted any X-Forwarded-For', () => {
    const hops = loadConfig({ TRUST_PROXY_HOPS: '1' });
    expect(hops.ok).toBe(false);
    if (!hops.ok) expect(hops.error).toContain('TRUST_PROXY_HOPS is replaced by TRUST_PROXY');
    expect(loadConfig({ TRUST_PROXY_HOPS: '0' }).ok).toBe(true);
  });

  it('takes an https PUBLIC_URL (http on loopback only), as an origin', () => {
    expect(unwrap(loadConfig({})).publicUrl).toBeUndefined();
    expect(unwrap(loadConfig({ PUBLIC_URL: 'https://elections.example.org/' })).publicUrl).toBe('https://elections.example.org');
    expect(unwrap(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8080' })).publicUrl).toBe('http://127.0.0.1:8080');
    expect(unwrap(loadConfig({ PUBLIC_URL: 'http://[::1]:8080' })).publicUrl).toBe('http://[::1]:8080');
    for (const bad of [
      'http://elections.example.org',
      'https://elections.example.org/api',
      'https://u:p@elections.example.org',
      'ftp://x.org',
    ])
      expect(loadConfig({ PUBLIC_URL: bad }).ok, bad).toBe(false);
  });

  it('gives the API no admin listener unless METRICS_PORT is set', () => {
    expect(unwrap(loadConfig({})).metricsPort).toBeUndefined();
    expect(unwrap(loadConfig({ METRICS_PORT: '9464' })).metricsPort).toBe(9464);
  });

  it('takes CENTRAL_EXPORT_KEY as the PKCS#8 PEM of an X25519 key, and refuses anything else', () => {
    const key = generateExportKeyPair();
    expect(unwrap(loadConfig({ CENTRAL_EXPORT_KEY: key.privateKeyPem })).centralExportKey).toBe(key.privateKeyPem);
    expect(unwrap(loadConfig({})).centralExportKey).toBeUndefined();
    for (const bad of [generateStationKeyPair().privateKeyPem, key.publicKey, 'nope']) {
      const config = loadConfig({ CENTRAL_EXPORT_KEY: bad });
      expect(config).toMatchObject({
        ok: false,
        error: expect.stringMatching(/CENTRAL_EXPORT_KEY must be the PKCS#8 PEM of an X25519/) as unknown,
      });
    }
  });
});

describe('SCRUTIN_MODE', () => {
  const services = { ...BASE, REDIS_URL: 'redis://cache:6379' };
  it('defaults to production with the services, demo in embedded mode', () => {
    expect(unwrap(loadConfig(services)).mode).toBe('production');
    expect(unwrap(loadConfig({})).mode).toBe('demo');
    expect(unwrap(loadConfig({ SCRUTIN_MODE: '' })).mode).toBe('demo');
  });

  it('takes production, demo or test explicitly, and nothing else', () => {
    expect(unwrap(loadConfig({ ...services, SCRUTIN_MODE: 'test' })).mode).toBe('test');
    expect(unwrap(loadConfig({ SCRUTIN_MODE: 'production' })).mode).toBe('production');
    const bad = loadConfig({ ...services, SCRUTIN_MODE: 'prod' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/SCRUTIN_MODE/);
  });
});
