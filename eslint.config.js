// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import { basename, extname } from 'node:path';

/** Test-only code (fakes, fixtures, test keys) sits in `*.test-support.ts` files: the app never imports it. */
const NO_TEST_SUPPORT = {
  regex: '\\.test-support(\\.ts)?$',
  message: 'Only tests import *.test-support.ts modules (test-only code must not reach the app).',
};

/**
 * One naming convention for source files: snake_case, React components included
 * (`screens/staff/dashboard.tsx`), with lower-case kinds after the first dot (`.test.ts`,
 * `.test-support.ts`, `.node.ts`, `.fault.test.ts`, `.spec.ts`).
 */
const SNAKE_CASE_FILE = /^[a-z0-9]+(_[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/;
const scrutin = {
  rules: {
    'snake-case-file-name': {
      meta: {
        type: 'suggestion',
        schema: [],
        messages: { name: 'File names are snake_case ("{{name}}"): docs/development.md, "Conventions".' },
      },
      /** @param {import('eslint').Rule.RuleContext} context */
      create(context) {
        const name = basename(context.filename);
        return {
          Program(node) {
            if (!SNAKE_CASE_FILE.test(name.slice(0, name.length - extname(name).length)))
              context.report({ node, messageId: 'name', data: { name } });
          },
        };
      },
    },
  },
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.tsbuild/**',
      'coverage/**',
      'test-results/**',
      'e2e/artifacts/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // `query<Row>()` names the row type a SQL statement returns; that is its whole purpose.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  {
    // The browser applications: the kiosk renderer and the results console.
    files: ['desktop/src/renderer/**/*.{ts,tsx}', 'server/console/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Workspaces import each other by package name, through their declared `exports`, never by
    // a relative path into another workspace's files (docs/architecture.md, "Folders").
    files: ['**/*.{ts,tsx,js}'],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    files: ['**/*.{ts,tsx,js}'],
    plugins: { scrutin },
    rules: { 'scrutin/snake-case-file-name': 'error' },
  },
  {
    // Test-only code (`*.test-support.ts`) never reaches an application, a library export or a
    // benchmark, in any workspace; the desktop blocks below repeat it with their own patterns.
    files: ['shared/src/**/*.ts', 'server/**/*.{ts,tsx}', 'demo/**/*.ts', 'bench/**/*.ts', 'installers/**/*.{ts,js}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.test-support.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_TEST_SUPPORT] }] },
  },
  {
    // Central's own code never imports its test helpers (src/testing, exported as ./testing for
    // the tests, benchmarks and the demo of other workspaces).
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/testing/**', '**/*.test.ts', '**/*.test-support.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [NO_TEST_SUPPORT, { regex: '(^|/)testing(/|$)', message: 'Only tests import the test helpers of src/testing.' }],
        },
      ],
    },
  },
  {
    // Tool configuration files sit outside the TypeScript projects.
    files: ['**/*.js', '*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The domain package must run in the browser (the kiosk renderer) as well as under Node.
    // Only files named *.node.ts may use Node built-ins.
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.node.ts', 'shared/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'shared/ must stay browser-safe: put Node code in a *.node.ts file.' },
            { regex: '\\.node(\\.ts)?$', message: 'A browser-safe module cannot import a *.node.ts module.' },
            {
              regex: '^(?!\\.|zod$|node:)',
              message:
                'shared/ browser-safe modules use only zod among packages (others may need Node, e.g. Buffer): put that code in a *.node.ts file.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The station backend is a plain Node library: it runs and is tested without Electron.
    files: ['desktop/src/station/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^electron(/|$)', message: 'desktop/src/station/ is a plain Node library: it must not import Electron.' }],
        },
      ],
    },
  },
  {
    // The kiosk app (backend, hosts, shell, renderer) never imports test-only code. The renderer
    // block below repeats the pattern, since its own no-restricted-imports replaces this one.
    files: ['desktop/src/**/*.{ts,tsx}', 'desktop/scripts/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.test-support.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_TEST_SUPPORT] }],
    },
  },
  {
    // The kiosk renderer and the wire protocol it shares with the hosts run in a browser page:
    // no Node, no Electron, and the station backend only as types (the StationApi).
    files: ['desktop/src/renderer/**/*.{ts,tsx}', 'desktop/src/api/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.test-support.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'The kiosk renderer runs in a browser page: no Node modules.' },
            { regex: '^(electron|ws|better-sqlite3)(/|$)', message: 'The kiosk renderer reaches the backend only through the StationApi.' },
            {
              regex: '^@scrutin/shared/(node|crypto|kit|protocol|rctab)$',
              message: 'The kiosk renderer uses the browser-safe @scrutin/shared only.',
            },
            {
              regex: '/station/',
              allowTypeImports: true,
              message: 'The kiosk renderer takes only types from the station backend (import type).',
            },
            NO_TEST_SUPPORT,
          ],
        },
      ],
    },
  },
  // Formatting is Prettier's (checked by `npm run lint`): no ESLint rule may fight it.
  prettier,
);
