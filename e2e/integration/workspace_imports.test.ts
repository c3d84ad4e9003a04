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
