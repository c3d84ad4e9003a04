import { unwrap } from '@scrutin/shared/node';
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
