import express, { type Express } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../app/context.ts';
import { adminRoutes } from './admin_routes.ts';
import { consoleRoutes } from './console_static.ts';
import { ApiError, errorMiddleware } from './errors.ts';
import { exportsRoutes } from './exports_routes.ts';
import { officialsRoutes } from './officials_routes.ts';
import { mapReplacer } from './http.ts';
import { openapiRoutes } from './openapi.ts';
import { receiptsRoutes } from './receipts_routes.ts';
import { resultsRoutes } from './results_routes.ts';
import { syncRoutes } from './sync_routes.ts';

/**
 * A strict policy for every answer (the console's pages included): everything from this
 * origin only, no inline script or style element, no plug-ins, no framing. ECharts draws on
 * canvas and sets styles through the DOM, which the policy allows.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * The central HTTP API: `/api/v1/...` and `/healthz`. Readiness and metrics are on the admin
 * listener (METRICS_PORT, central.ts), never on this public port.
 */
export function createApp(ctx: AppContext, extraRoutes: readonly ((ctx: AppContext) => express.Router)[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json replacer', mapReplacer);
  // Behind trusted reverse proxies (TRUST_PROXY), req.ip is the first untrusted address of
  // X-Forwarded-For; with none, the socket's. Nothing else in the request names the client.
  app.set('trust proxy', ctx.config.trustProxy.length === 0 ? false : [...ctx.config.trustProxy]);
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use('/api/v1', openapiRoutes());
  app.use('/api/v1', syncRoutes(ctx));
  app.use('/api/v1', resultsRoutes(ctx));
  app.use('/api/v1', receiptsRoutes(ctx));
  app.use('/api/v1', officialsRoutes(ctx));
  app.use('/api/v1', exportsRoutes(ctx));
  app.use('/api/v1', adminRoutes(ctx));
  for (const routes of extraRoutes) app.use('/api/v1', routes(ctx));

  app.get('/', (_req, res) => {
    res.redirect(302, '/console/');
  });
  app.use('/console', consoleRoutes());

  app.use('/api', (req, _res, next) => {
    next(new ApiError('not-found', `There is no ${req.method} ${req.path}.`));
  });
  // Anything else (a path outside /api and /console): a JSON 404, not Express's HTML page.
  app.use((_req, _res, next) => {
    next(new ApiError('not-found', 'There is no such resource on this server.'));
  });
  app.use(
    errorMiddleware((error, req) => {
      ctx.logger.error({ event: 'request.failed', method: req.method, path: req.path, err: error }, 'request.failed');
    }),
  );
  return app;
}
