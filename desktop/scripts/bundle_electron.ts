import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';

/**
 * Bundles the Electron side for packaging (`npm run build:electron -w desktop`):
 * dist/electron/main.js (the shell), station_backend.js (the utility process: the station
 * backend, with everything but better-sqlite3, which electron-builder rebuilds for Electron)
 * and preload.cjs (sandboxed preloads cannot import, so it is one file). The renderer is
 * built by `npm run build -w desktop` into dist/renderer.
 */
const at = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const outDir = at('dist/electron');
const external = ['electron', 'better-sqlite3', /^node:/];
const rollupOptions = {
  onwarn(warning: Rollup.RollupLog, warn: (warning: Rollup.RollupLog) => void) {
    // zod's sources carry /* @__PURE__ */ comments Rollup cannot place; harmless.
    if (warning.code === 'INVALID_ANNOTATION') return;
    warn(warning);
  },
};

await build({
  configFile: false,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['electron', 'better-sqlite3'] },
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    rollupOptions: {
      ...rollupOptions,
      input: { main: at('src/main/main.ts'), station_backend: at('src/main/station_backend.ts') },
      external,
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});

await build({
  configFile: false,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['electron'] },
  build: {
    ssr: true,
    outDir,
    emptyOutDir: false,
    target: 'chrome120',
    minify: false,
    rollupOptions: {
      ...rollupOptions,
      input: { preload: at('src/preload/preload.ts') },
      external: ['electron'],
      output: { format: 'cjs', entryFileNames: '[name].cjs' },
    },
  },
});

console.log(`Electron bundles written to ${outDir}`);
