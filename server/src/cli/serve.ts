import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { startCentral, startWorker } from '../central.ts';

/** `scrutin serve` (the API) and `scrutin worker` (a validator), configured from the environment. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the central API (with an in-process validator in embedded mode); /metrics and /readyz on METRICS_PORT, if set.')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option('--with-validator', 'also run a validator in this process', false)
    .action(async (options: { port?: string; withValidator: boolean }) => {
      const config = configOrExit({ ...process.env, ...(options.port === undefined ? {} : { PORT: options.port }) });
      const central = await startCentral(config, { withValidator: options.withValidator });
      console.log(`Scrutin central API on ${central.url} (${central.ctx.services.mode} mode)`);
      if (central.metricsUrl !== undefined) console.log(`Metrics and probes on ${central.metricsUrl}`);
      stopOnSignal(() => central.stop());
    });

  program
    .command('worker')
    .description('Start a validator worker (needs DATABASE_URL, AMQP_URL and REDIS_URL); metrics and probes on METRICS_PORT.')
    .action(async () => {
      const config = configOrExit(process.env);
      if (config.services === null) {
        console.error(
          'scrutin worker needs DATABASE_URL, AMQP_URL and REDIS_URL: in embedded mode the validator runs inside `scrutin serve`.',
        );
        process.exit(2);
      }
      const worker = await startWorker(config);
      console.log(`Scrutin validator; metrics and probes on ${worker.metricsUrl}`);
      stopOnSignal(() => worker.stop());
    });
}

function configOrExit(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  if (!config.ok) {
    console.error(config.error);
    process.exit(2);
  }
  return config.value;
}

function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
