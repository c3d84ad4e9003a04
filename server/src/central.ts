import type { Server } from 'node:http';
import { parseElection, unwrap } from '@scrutin/shared/node';
import type { Router } from 'express';
import type { DestinationStream } from 'pino';
import { createApp } from './api/app.ts';
import { createRequestLimits } from './api/request_limits.ts';
import type { AppContext } from './app/context.ts';
import { centralExportKey, centralKey, openServices, pipelineKey } from './app/services.ts';
import { CredentialJobs } from './credentials/jobs.ts';
import type { Config } from './config.ts';
import { createLogger, eventLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { ElectionCatalogue } from './elections/catalogue.ts';
import { startElectionGauges } from './monitoring/election_gauges.ts';
import { startMetricsServer } from './monitoring/metrics_server.ts';
import { startValidator } from './pipeline/worker.ts';

/**
 * Starts the central server: the API, and in embedded mode the validator too (in services
 * mode validators are separate `scrutin worker` processes, as many as wanted).
 */
export interface Central {
  readonly ctx: AppContext;
  readonly url: string;
  readonly server: Server;
  /** The admin listener (/metrics, /readyz, /healthz) when METRICS_PORT is set. */
  readonly metricsUrl: string | undefined;
  stop(): Promise<void>;
}

export interface CentralOptions {
  /** Run a validator in this process (always in embedded mode). */
  readonly withValidator?: boolean;
  readonly extraRoutes?: readonly ((ctx: AppContext) => Router)[];
  readonly now?: () => Date;
  /** Where logs go (default stdout); tests capture them. */
  readonly logDestination?: DestinationStream;
}

export async function createContext(
  config: Config,
  name: string,
  now: () => Date = () => new Date(),
  logDestination?: DestinationStream,
): Promise<AppContext> {
  const logger = createLogger(config.logLevel, name, logDestination);
  const log = eventLogger(logger);
  const services = await openServices(config, log, name);
  const key = await centralKey(services.db, config.centralSigningKey);
  const sealing = await pipelineKey(services.db, config.pipelineKey);
  const exportKey = await centralExportKey(services.db, config.centralExportKey);
  const metrics = createMetrics();
  return {
    config,
    services,
    elections: new ElectionCatalogue(services.db, (json) => unwrap(parseElection(json))),
    metrics,
    logger,
    log,
    centralKey: key,
    centralExportKey: exportKey,
    pipelineKey: sealing,
    now,
    credentialJobs: new CredentialJobs({ db: services.db, dedup: services.dedup, now, log }),
    limits: createRequestLimits(config, metrics),
  };
}

export async function startCentral(config: Config, options: CentralOptions = {}): Promise<Central> {
  const ctx = await createContext(config, 'scrutin-api', options.now, options.logDestination);
  if (options.withValidator === true || ctx.services.mode === 'embedded') {
    await startValidator({
      ...ctx.services,
      elections: ctx.elections,
      pipelineKey: ctx.pipelineKey,
      metrics: ctx.metrics,
      log: ctx.log,
      prefetch: config.workerPrefetch,
    });
  }
  const gauges = startElectionGauges({
    db: ctx.services.db,
    metrics: ctx.metrics,
    log: ctx.log,
    intervalMs: config.monitorIntervalMs,
    silentAfterSeconds: config.silentAfterSeconds,
  });
  ctx.limits.connect();
  const app = createApp(ctx, options.extraRoutes);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.port, config.host, () => {
      resolve(s);
    });
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  // /metrics and /readyz are not on the public port: only on this listener, for Prometheus
  // and the orchestrator's probes (docs/operators.md, "Metrics and probes").
  const admin =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer({
          host: config.host,
          port: config.metricsPort,
          metrics: ctx.metrics,
          services: ctx.services,
          log: ctx.log,
        });
  ctx.log('server.started', { url, mode: ctx.services.mode });
  return {
    ctx,
    url,
    server,
    metricsUrl: admin?.url,
    async stop() {
      ctx.log('server.stopping');
      await admin?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await gauges.stop();
      // The demo's in-server credential jobs (check values only, no card): their files go with the server.
      await ctx.credentialJobs.dispose();
      await ctx.limits.close();
      await ctx.services.close();
    },
  };
}

/** A validator, with its metrics and probes listener on METRICS_PORT (default 9464). */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

export interface Worker {
  readonly metricsUrl: string;
  stop(): Promise<void>;
}

export async function startWorker(config: Config): Promise<Worker> {
  const ctx = await createContext(config, 'scrutin-worker');
  const listener = await startMetricsServer({
    host: config.host,
    port: config.metricsPort ?? DEFAULT_WORKER_METRICS_PORT,
    metrics: ctx.metrics,
    services: ctx.services,
    log: ctx.log,
  });
  await startValidator({
    ...ctx.services,
    elections: ctx.elections,
    pipelineKey: ctx.pipelineKey,
    metrics: ctx.metrics,
    log: ctx.log,
    prefetch: config.workerPrefetch,
  });
  return {
    metricsUrl: listener.url,
    async stop() {
      await listener.close();
      await ctx.limits.close();
      await ctx.services.close();
    },
  };
}
