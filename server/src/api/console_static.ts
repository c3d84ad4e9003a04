import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * The results console (server/console, built by `npm run build` into server/console/dist),
 * served at /console/: hashed assets cached for a year, every other path answered with the
 * application's index.html (the console routes in the browser). The strict Content Security
 * Policy set in app.ts applies: scripts and styles from this origin only, nothing inline.
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));
const CONSOLE_VITE_CONFIG = fileURLToPath(new URL('../../console/vite.config.js', import.meta.url));

/** Builds the console if it was never built (a fresh clone running `npm start`). */
export async function ensureConsoleBuilt(dist: string = CONSOLE_DIST): Promise<void> {
  if (existsSync(`${dist}index.html`)) return;
  console.log('Building the results console (first run)…');
  const { build } = await import('vite');
  await build({ configFile: CONSOLE_VITE_CONFIG, logLevel: 'warn' });
}

export function consoleRoutes(dist: string = CONSOLE_DIST): Router {
  const router = Router();
  if (!existsSync(`${dist}index.html`)) {
    router.use((_req, res) => {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The results console is not built. Run `npm run build` (or `npm run build -w @scrutin/server`), then reload.\n');
    });
    return router;
  }
  router.use('/assets', express.static(`${dist}assets`, { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(dist, { index: false, maxAge: 0 }));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    res.set('cache-control', 'no-cache');
    res.sendFile(`${dist}index.html`);
  });
  return router;
}
