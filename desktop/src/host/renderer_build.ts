import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build -w desktop` puts the kiosk renderer. */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
/** The end-to-end tests' build of the renderer (`vite build --mode e2e`): the audio ballot reports what it says. */
export const E2E_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer-e2e', import.meta.url));
const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

/** Builds the renderer if it was never built (a fresh clone running `npm start`); returns its folder. */
export async function ensureRendererBuilt(dir: string = RENDERER_DIR): Promise<string> {
  if (existsSync(join(dir, 'index.html'))) return dir;
  console.log('Building the kiosk renderer (first run)…');
  const { build } = await import('vite');
  await build({ configFile: VITE_CONFIG, logLevel: 'warn' });
  return dir;
}

/** Builds the end-to-end tests' renderer afresh (from the sources as they are now); returns its folder. */
export async function buildE2eRenderer(): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: VITE_CONFIG, mode: 'e2e', logLevel: 'warn' });
  return E2E_RENDERER_DIR;
}
