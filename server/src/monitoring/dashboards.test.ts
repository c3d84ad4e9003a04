import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { startWorker, type Worker } from '../central.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';

/**
 * The Grafana dashboards and the Prometheus rules name only metrics that Scrutin exports: a
 * real central (API) and a real validator are started on the real services, their /metrics
 * scraped, and every metric name in every panel query and every rule is looked up there (a
 * recording rule's name counts as exported, and so do `up` and `ALERTS`, which Prometheus
 * makes itself). Every query is also parsed by promtool.
 */
const ROOT = join(import.meta.dirname, '../../..');
const GRAFANA = join(ROOT, 'deploy/grafana');
const PROMETHEUS_MADE = new Set(['up', 'ALERTS']);

const DashboardSchema = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z
    .array(
      z.object({
        id: z.number().int(),
        title: z.string().min(1),
        datasource: z.object({ type: z.literal('prometheus'), uid: z.string() }),
        targets: z.array(z.object({ refId: z.string(), expr: z.string().min(1) })).min(1),
      }),
    )
    .min(1),
});
const RulesSchema = z.object({
  groups: z.array(
    z.object({ rules: z.array(z.object({ record: z.string().optional(), alert: z.string().optional(), expr: z.string() })) }),
  ),
});

const dashboards = readdirSync(join(GRAFANA, 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, board: DashboardSchema.parse(JSON.parse(readFileSync(join(GRAFANA, 'dashboards', f), 'utf8'))) }));
const ruleFiles = ['recording.yml', 'alerts.yml'].map((f) => ({
  file: f,
  rules: RulesSchema.parse(parse(readFileSync(join(ROOT, 'deploy/prometheus/rules', f), 'utf8'))).groups.flatMap((g) => g.rules),
}));
const recorded = new Set(ruleFiles.flatMap((f) => f.rules.flatMap((r) => (r.record === undefined ? [] : [r.record]))));

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (not its functions, labels, strings or keywords). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' '); // ranges and subqueries
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name = '', call] = m;
    if (call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.push(name);
  }
  return names;
}

/** Metric names exposed by a /metrics answer, with a histogram's _bucket, _sum and _count. */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

let t: TestCentral;
let worker: Worker;
let exported: Set<string>;

beforeAll(async () => {
  t = await startTestCentral({ env: { METRICS_PORT: '0' } });
  worker = await startWorker({ ...t.config, metricsPort: 0, host: '127.0.0.1' });
  const api = await (await fetch(`${t.central.metricsUrl ?? ''}/metrics`)).text();
  const validator = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
  exported = new Set([...exposed(api), ...exposed(validator)]);
}, 60_000);

afterAll(async () => {
  await worker.stop();
  await t.stop();
});

describe('metric names', () => {
  it('reads names out of PromQL, and only names', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(scrutin_api_request_seconds_bucket{route="a b"}[5m])))')).toEqual(
      ['scrutin_api_request_seconds_bucket'],
    );
    expect(metricNames('min(deriv(q{queue="batches"}[5m])) > 0 and min(q) > 0 or on (x) vector(1)')).toEqual(['q', 'q']);
    expect(metricNames('scrutin:queue_depth:max{queue="dead"} offset 5m')).toEqual(['scrutin:queue_depth:max']);
  });

  it('exports from the API and the validator every metric the rules and dashboards need', () => {
    for (const name of [
      'scrutin_ballots_total',
      'scrutin_pipeline_seconds_bucket',
      'scrutin_queue_depth',
      'scrutin_dependency_up',
      'scrutin_stations_silent',
      'scrutin_certification_blocked',
      'scrutin_results_sse_delay_seconds_bucket',
      'scrutin_equivocations_total',
      'scrutin_dedup_rebuilds_total',
    ]) {
      expect(exported, name).toContain(name);
    }
  });
});

describe('deploy/grafana dashboards', () => {
  it('are the four election-night dashboards, each with a unique uid, on the provisioned datasource', () => {
    expect(dashboards.map((d) => d.board.uid).sort()).toEqual([
      'scrutin-intake',
      'scrutin-pipeline',
      'scrutin-services',
      'scrutin-stations',
    ]);
    const datasources = parse(readFileSync(join(GRAFANA, 'provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; type: string }[];
    };
    const prometheus = datasources.datasources.find((d) => d.type === 'prometheus');
    for (const { board } of dashboards) for (const panel of board.panels) expect(panel.datasource.uid).toBe(prometheus?.uid);
  });

  it('query only metrics that the code exports or the rules record', () => {
    const unknown: string[] = [];
    for (const { file, board } of dashboards) {
      for (const panel of board.panels) {
        for (const target of panel.targets) {
          const names = metricNames(target.expr);
          expect(names.length, `${file} "${panel.title}" reads no metric`).toBeGreaterThan(0);
          for (const name of names) {
            if (!exported.has(name) && !recorded.has(name) && !PROMETHEUS_MADE.has(name)) unknown.push(`${file} "${panel.title}": ${name}`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('query in PromQL that promtool parses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrutin-panels-'));
    try {
      const exprs = dashboards.flatMap(({ board }) => board.panels.flatMap((p) => p.targets.map((x) => x.expr)));
      const rules = { groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:check:${i}`, expr })) }] };
      writeFileSync(join(dir, 'panels.yml'), JSON.stringify(rules));
      const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', join(dir, 'panels.yml')]);
      expect(stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/prometheus rules', () => {
  it('read only metrics that the code exports or other rules record', () => {
    const unknown: string[] = [];
    for (const { file, rules } of ruleFiles) {
      for (const rule of rules) {
        for (const name of metricNames(rule.expr)) {
          if (!exported.has(name) && !recorded.has(name) && !PROMETHEUS_MADE.has(name))
            unknown.push(`${file} ${rule.record ?? rule.alert ?? ''}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});
