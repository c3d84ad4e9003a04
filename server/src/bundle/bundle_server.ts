import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * The central server as its image runs it (docs/decisions/0001): the `scrutin` CLI bundled by
 * esbuild into one ES module, no tsx at run time. `bundleServer(out)` lays out, under `out`,
 * what the image copies to /app:
 *
 *   server/dist/scrutin.mjs                       the CLI (serve, worker, users, …)
 *   server/node_modules/                          what cannot be bundled: better-sqlite3
 *                                                 (native) and PGlite (WebAssembly), with what they
 *                                                 load (found from the CLI and from the worker)
 *   server/src/db/migrations/                     the SQL migrations
 *   server/src/credentials/generate_worker.js     the credentials worker, bundled too
 *   server/console/dist/                          the results console, when built
 *
 * Each bundled module keeps the `import.meta.url` of its source file (relative to the bundle),
 * so the files it reads beside itself (migrations, the console, the worker) are found in the
 * same places as in the repository.
 */
const REPO = resolve(import.meta.dirname, '..', '..', '..');
const SERVER = join(REPO, 'server');
/** The CLI bundle, relative to the bundle folder (the image's /app). */
export const BUNDLE_CLI = 'server/dist/scrutin.mjs';

/** Bare imports left to Node: native or WebAssembly packages, and tools never used at run time. */
const EXTERNAL = ['better-sqlite3', '@electric-sql/pglite', 'vite', 'pg-native'];

/** What the external packages load at run time (better-sqlite3: bindings, file-uri-to-path), with the files they need. */
const RUNTIME_PACKAGES: readonly { readonly name: string; readonly files: readonly string[] | null }[] = [
  { name: 'better-sqlite3', files: ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node'] },
  { name: 'bindings', files: null },
  { name: 'file-uri-to-path', files: null },
  { name: '@electric-sql/pglite', files: null },
];

export interface BundleLayout {
  readonly cli: string;
  readonly worker: string;
  readonly consoleBuilt: boolean;
}

/**
 * Rewrites `import.meta.url` / `import.meta.dirname` of the repository's own modules to their
 * source location, relative to `outfile`: where the bundle sits in the repository's layout.
 */
function sourceLocations(outfile: string): Plugin {
  return {
    name: 'scrutin-source-locations',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`) || !args.path.startsWith(REPO + sep)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        const fromBundle = relative(dirname(outfile), args.path).split(sep).join('/');
        const dirFromBundle = relative(dirname(outfile), dirname(args.path)).split(sep).join('/') || '.';
        const contents = source
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `__scrutinFileURLToPath(new URL(${JSON.stringify(`${dirFromBundle}/`)}, import.meta.url))`)
          .replaceAll('import.meta.filename', `__scrutinFileURLToPath(new URL(${JSON.stringify(fromBundle)}, import.meta.url))`);
        const ext = extname(args.path);
        return { contents, loader: ext === '.ts' || ext === '.mts' || ext === '.cts' ? 'ts' : 'js' };
      });
    },
  };
}

async function bundle(entry: string, out: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    legalComments: 'linked',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: {
      js: [
        "import { createRequire as __scrutinCreateRequire } from 'node:module';",
        "import { fileURLToPath as __scrutinFileURLToPath } from 'node:url';",
        'const require = __scrutinCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    plugins: [sourceLocations(join(REPO, relative(out, outfile)))],
  });
}

export async function bundleServer(out: string): Promise<BundleLayout> {
  await rm(out, { recursive: true, force: true });
  const cli = join(out, BUNDLE_CLI);
  const worker = join(out, 'server/src/credentials/generate_worker.js');
  await bundle(join(SERVER, 'src/cli/main.ts'), out, cli);
  await bundle(join(SERVER, 'src/credentials/generate_worker.ts'), out, worker);
  // The worker is an ES module in a .js file.
  await writeFile(join(out, 'server/package.json'), `${JSON.stringify({ private: true, type: 'module' }, null, 2)}\n`);

  for (const pkg of RUNTIME_PACKAGES) {
    const from = join(REPO, 'node_modules', pkg.name);
    const to = join(out, 'server/node_modules', pkg.name);
    if (pkg.files === null) await cp(from, to, { recursive: true });
    else for (const file of pkg.files) await cp(join(from, file), join(to, file), { recursive: true });
  }
  await cp(join(SERVER, 'src/db/migrations'), join(out, 'server/src/db/migrations'), { recursive: true });
  const consoleDist = join(SERVER, 'console/dist');
  let consoleBuilt = true;
  try {
    await cp(consoleDist, join(out, 'server/console/dist'), { recursive: true, filter: (path) => !path.endsWith('.map') });
  } catch {
    consoleBuilt = false;
  }
  return { cli, worker, consoleBuilt };
}

// `npm run bundle -w @scrutin/server -- OUT` (the Dockerfile's build stage).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = resolve(process.argv[2] ?? join(SERVER, 'bundle'));
  await mkdir(out, { recursive: true });
  const layout = await bundleServer(out);
  console.log(
    `bundled the server into ${out}${layout.consoleBuilt ? '' : ' (the results console is not built: run `npm run build -w @scrutin/server` first)'}`,
  );
}
