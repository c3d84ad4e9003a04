import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * deploy/prometheus and deploy/alertmanager, checked by the tools that will load them:
 * promtool (Debian's `prometheus` package) checks the configuration and the rules and runs
 * every rule's unit tests; amtool (`prometheus-alertmanager`) checks the Alertmanager
 * configuration. `.ci/run` installs both; a missing tool fails the test, never skips it.
 */
const ROOT = join(import.meta.dirname, '../../..');
const PROMETHEUS = join(ROOT, 'deploy/prometheus');
const run = promisify(execFile);

async function tool(command: string, args: readonly string[], cwd = ROOT): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd });
    return stdout + stderr;
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${command} is not installed: apt-get install prometheus prometheus-alertmanager`);
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const RuleFileSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.union([
          z.object({ record: z.string(), expr: z.string() }),
          z.object({
            alert: z.string(),
            expr: z.string(),
            for: z.string().optional(),
            labels: z.record(z.string(), z.string()),
            annotations: z.record(z.string(), z.string()),
          }),
        ]),
      ),
    }),
  ),
});
const TestFileSchema = z.object({
  rule_files: z.array(z.string()),
  tests: z.array(
    z.object({
      alert_rule_test: z.array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()) })).optional(),
      promql_expr_test: z.array(z.object({ expr: z.string() })).optional(),
    }),
  ),
});

const rules = (file: string) =>
  RuleFileSchema.parse(parse(readFileSync(join(PROMETHEUS, 'rules', file), 'utf8'))).groups.flatMap((g) => g.rules);
const testFiles = readdirSync(join(PROMETHEUS, 'tests')).filter((f) => f.endsWith('.test.yml'));
const tests = testFiles.flatMap((f) => TestFileSchema.parse(parse(readFileSync(join(PROMETHEUS, 'tests', f), 'utf8'))).tests);

describe('deploy/prometheus', () => {
  it('is a configuration promtool accepts, with its rule files', async () => {
    const out = await tool('promtool', ['check', 'config', join(PROMETHEUS, 'prometheus.yml')]);
    expect(out).toContain('SUCCESS: 2 rule files found');
  });

  it("passes every rule's unit tests (promtool test rules)", async () => {
    const out = await tool('promtool', ['test', 'rules', ...testFiles.map((f) => `tests/${f}`)], PROMETHEUS);
    expect(out.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  });

  it('tests every alert both firing and silent, and every recording rule', () => {
    const alerts = rules('alerts.yml').flatMap((r) => ('alert' in r ? [r.alert] : []));
    const records = rules('recording.yml').flatMap((r) => ('record' in r ? [r.record] : []));
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const of = cases.filter((c) => c.alertname === alert);
      expect(
        of.some((c) => c.exp_alerts.length > 0),
        `${alert} is never tested firing`,
      ).toBe(true);
      expect(
        of.some((c) => c.exp_alerts.length === 0),
        `${alert} is never tested silent`,
      ).toBe(true);
    }
    const exprs = tests.flatMap((t) => t.promql_expr_test ?? []).map((t) => t.expr);
    for (const record of records)
      expect(
        exprs.some((e) => e.includes(record)),
        `${record} is not tested`,
      ).toBe(true);
  });

  it('names for every alert a runbook that exists', () => {
    for (const rule of rules('alerts.yml')) {
      if (!('alert' in rule)) continue;
      const runbook = rule.annotations.runbook;
      expect(runbook, `${rule.alert} has no runbook`).toBeDefined();
      const [file = '', anchor] = (runbook ?? '').split('#');
      expect(existsSync(join(ROOT, file)), `${rule.alert}: ${file}`).toBe(true);
      if (anchor !== undefined) expect(readFileSync(join(ROOT, file), 'utf8'), `${rule.alert}: #${anchor}`).toContain(`id="${anchor}"`);
    }
  });
});

describe('deploy/alertmanager', () => {
  it('is a configuration amtool accepts', async () => {
    const out = await tool('amtool', ['check-config', join(ROOT, 'deploy/alertmanager/alertmanager.yml')]);
    expect(out).toContain('SUCCESS');
  });
});
