import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The workspaces import each other by package name only (docs/architecture.md, "Folders"):
 * `npm run lint` fails on a relative import into another workspace. Checked here with the
 * repository's own ESLint configuration, on the text of real files with such an import added.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULE = 'import-x/no-relative-packages';
const eslint = new ESLint({ cwd: ROOT, ruleFilter: ({ ruleId }) => ruleId === RULE });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

describe('imports across workspaces', () => {
  it('fail the lint when relative, from any workspace into another', async () => {
    const cases = [
      ['demo/src/demo.ts', '../../server/src/central.ts'],
      ['desktop/src/station/station.ts', '../../../server/src/elections/store.ts'],
      ['e2e/support/kiosk_env.ts', '../../desktop/src/host/station_host.ts'],
      ['bench/sync.ts', '../server/src/testing/central.ts'],
      ['server/src/central.ts', '../../shared/src/index.ts'],
    ] as const;
    for (const [file, target] of cases) {
      const found = await problems(file, `import * as other from '${target}';\nexport const used = other;\n`);
      expect([file, found]).toEqual([file, [expect.stringContaining(`${RULE}: Relative import from another package is not allowed`)]]);
    }
  }, 120_000);

  it('pass by package name, and relative inside one workspace', async () => {
    expect(await problems('demo/src/demo.ts', "import * as server from '@scrutin/server';\nexport const used = server;\n")).toEqual([]);
    expect(await problems('server/src/central.ts', "import * as config from './config.ts';\nexport const used = config;\n")).toEqual([]);
  }, 120_000);
});

/**
 * The habits the lint keeps (docs/development.md, "Conventions"): snake_case file names, and
 * test-only code out of the applications. These rules need no type information, so the files
 * are linted without it (a file name that does not exist on disk would not be in a project).
 */
const habits = new ESLint({
  cwd: ROOT,
  ruleFilter: ({ ruleId }) => ruleId === 'scrutin/snake-case-file-name' || ruleId === '@typescript-eslint/no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

async function habitProblems(file: string, source = 'export const value = 1;\n'): Promise<string[]> {
  const [result] = await habits.lintText(source, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

describe('common habits', () => {
  it('file names are snake_case, kinds after the first dot included', async () => {
    for (const file of [
      'desktop/src/renderer/screens/staff/Dashboard.tsx',
      'server/src/api/officialsRoutes.ts',
      'shared/src/tally/irv-rounds.ts',
    ]) {
      expect([file, await habitProblems(file)]).toEqual([
        file,
        [expect.stringContaining('scrutin/snake-case-file-name: File names are snake_case')],
      ]);
    }
    for (const file of [
      'desktop/src/renderer/screens/staff/dashboard.tsx',
      'server/src/db/migrations/0001_init.ts',
      'desktop/src/api/fake_station.test-support.ts',
      'server/src/pipeline/faults.fault.test.ts',
      'shared/src/crypto/index.node.ts',
    ]) {
      expect([file, await habitProblems(file)]).toEqual([file, []]);
    }
  });

  it('only tests import test-only code, in every workspace', async () => {
    const cases = [
      ['shared/src/tally/irv.ts', './irv_reference.test-support.ts'],
      ['server/src/central.ts', './testing/central.ts'],
      ['server/src/cli/main.ts', '../testing/election_setup.ts'],
      ['bench/sync.ts', './local.test-support.ts'],
      ['desktop/src/station/station.ts', './fixtures.test-support.ts'],
    ] as const;
    for (const [file, target] of cases) {
      const found = await habitProblems(file, `import * as other from '${target}';\nexport const used = other;\n`);
      expect([file, found]).toEqual([file, [expect.stringContaining('@typescript-eslint/no-restricted-imports')]]);
    }
    const inTests = [
      ['shared/src/tally/irv.test.ts', './irv_reference.test-support.ts'],
      ['server/src/api/officials_routes.test.ts', '../testing/central.ts'],
      ['server/src/testing/index.ts', './central.ts'],
      ['demo/src/demo.ts', '@scrutin/server/testing'],
    ] as const;
    for (const [file, target] of inTests) {
      expect([file, await habitProblems(file, `import * as other from '${target}';\nexport const used = other;\n`)]).toEqual([file, []]);
    }
  });
});
