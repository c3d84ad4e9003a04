import { createServer, type Server } from 'node:http';
import type { Services } from '../app/services.ts';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { refreshProbes } from './probes.ts';

/**
 * The small HTTP listener of a validator (`scrutin worker`), which has no API of its own:
 * `/metrics` for Prometheus, `/healthz` (the process answers) and `/readyz` (Postgres, Redis
 * and RabbitMQ answer) for Kubernetes probes. Nothing else is served.
 */
export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: {
  readonly host: string;
  readonly port: number;
  readonly metrics: Metrics;
  readonly services: Services;
  readonly log: EventLogger;
}): Promise<MetricsServer> {
  const { metrics, services } = options;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (path) {
      case '/healthz':
        json(200, { status: 'ok' });
        return;
      case '/readyz':
        void refreshProbes(metrics, services).then((up) => {
          const ready = Object.values(up).every(Boolean);
          const checks = Object.fromEntries(Object.entries(up).map(([name, ok]) => [name, ok ? 'ok' : 'unreachable']));
          json(ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', checks });
        });
        return;
      case '/metrics':
        void refreshProbes(metrics, services)
          .then(() => metrics.registry.metrics())
          .then(
            (text) => {
              res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
            },
            () => {
              res.writeHead(500).end();
            },
          );
        return;
      default:
        json(404, { error: { code: 'not-found', message: `There is no ${path} here: /metrics, /healthz, /readyz.` } });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.log('metrics.listening', { url });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
