import { type StationId } from '@scrutin/shared/node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { SERVICE_URLS } from '../testing/services.ts';
import { StationClient } from '../simulate/station_client.ts';
import { issueEnrolmentToken } from '../sync/enrolment.ts';

/** The results stream's delay metric, and the Redis-rebuilt counter, on a real central. */
const election = openSampleElection();
const voters = votersOf(election, 30);
const STATION = 'ST-00001' as StationId;
let t: TestCentral;

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
});

afterAll(async () => {
  await t.stop();
});

const processed = async () =>
  (await t.central.ctx.services.db.query<{ n: number }>("SELECT count(*)::int AS n FROM batches WHERE status = 'processed'")).rows[0]?.n ===
  1;

/** A sample of a metric (`series`: its name, or a histogram's `_count` or `_sum`). */
const sample = async (metric: string, series = metric) => {
  const line = (await t.central.ctx.metrics.registry.getSingleMetricAsString(metric)).split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? NaN);
};

describe('the results stream', () => {
  it('times each change it carries from its commit, not the state it finds on connecting', async () => {
    const client = await openWithStation(t, election, voters, STATION);
    const send = (from: number) =>
      client.send(
        client.nextBatch(
          voters
            .filter((v) => v.station === STATION)
            .slice(from, from + 5)
            .map((v) => envelopeFor(election, v)),
        ),
      );
    // Counted before the stream opens: the first event is the state found.
    await send(0);
    for (let i = 0; i < 100 && !(await processed()); i += 1) await new Promise((r) => setTimeout(r, 50));
    const abort = new AbortController();
    const response = await fetch(`${t.central.url}/api/v1/elections/${election.id}/events`, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events = () => text.split('\n').filter((l) => l.startsWith('event: results')).length;
    const until = async (n: number) => {
      while (events() < n) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        text += decoder.decode(value);
      }
    };
    await until(1);
    expect(await sample('scrutin_results_sse_delay_seconds', 'scrutin_results_sse_delay_seconds_count')).toBe(0);
    await send(5);
    await until(2);
    abort.abort();
    expect(await sample('scrutin_results_sse_delay_seconds', 'scrutin_results_sse_delay_seconds_count')).toBe(1);
    const seconds = await sample('scrutin_results_sse_delay_seconds', 'scrutin_results_sse_delay_seconds_sum');
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThan(10);
  });
});

describe('Redis lost', () => {
  it('counts each rebuild of the credential sets from Postgres', async () => {
    const client = new StationClient(t.central.url, election.id, 'ST-00002' as StationId);
    await client.enrol((await issueEnrolmentToken(t.central.ctx.services.db, election.id, 'ST-00002' as StationId)).token);
    expect(await sample('scrutin_dedup_rebuilds_total')).toBe(0);
    // As after a Redis restart: every key of this deployment is gone.
    const redis = new Redis(SERVICE_URLS.redis);
    const keys = await redis.keys(`*${t.config.namespace}*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    redis.disconnect();
    const outcome = await client.send(
      client.nextBatch(
        voters
          .filter((v) => v.station === 'ST-00002')
          .slice(0, 3)
          .map((v) => envelopeFor(election, v)),
      ),
    );
    expect(outcome.kind).toBe('accepted');
    for (let i = 0; i < 100 && (await sample('scrutin_dedup_rebuilds_total')) === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await sample('scrutin_dedup_rebuilds_total')).toBe(1);
  });
});
