import type { Command } from 'commander';
import { ElectionIdSchema, parseElection, unwrap } from '@scrutin/shared/node';
import { loadConfig, type Config, type ServicesConfig } from '../config.ts';
import { postgresDatabase } from '../db/database.ts';
import { ElectionCatalogue } from '../elections/catalogue.ts';
import { resetDedup } from '../elections/store.ts';
import { migrateTopology } from '../pipeline/broker_topology.ts';
import { RedisDedupStore } from '../pipeline/dedup.ts';

/**
 * Election-night operations on the services (docs/runbooks/):
 * - `scrutin broker migrate`: brings the RabbitMQ queues to the topology this version
 *   declares, keeping every message (a queue's type cannot change in place);
 * - `scrutin dedup reset <election>`: makes Redis hold exactly what Postgres holds for an
 *   election (after a Postgres restore, or to rebuild a Redis Cluster that lost a node).
 * Each prints one JSON line.
 */
export function registerOperations(program: Command): void {
  const broker = program.command('broker').description('The RabbitMQ topology of the batch pipeline.');
  broker
    .command('migrate')
    .description('Redeclare the batch queues as this version declares them (quorum queues), moving their messages out and back.')
    .action(async () => {
      const { config, services } = servicesOrExit();
      const started = Date.now();
      const queues = await migrateTopology(services.amqpUrl, config.namespace, (event, detail) => {
        console.error(JSON.stringify({ event: `broker.migration.${event}`, ...detail }));
      });
      console.log(JSON.stringify({ event: 'broker.migration.finished', namespace: config.namespace, queues, ms: Date.now() - started }));
    });

  const dedup = program.command('dedup').description('The Redis fast path of one person, one vote.');
  dedup
    .command('reset')
    .argument('<election>', 'election id')
    .description('Forget what Redis holds for the election and rebuild it from Postgres (after a Postgres restore).')
    .action(async (id: string) => {
      const { config, services } = servicesOrExit();
      const election = ElectionIdSchema.safeParse(id);
      if (!election.success) {
        console.error(`not an election id: ${id}`);
        process.exit(2);
      }
      const db = postgresDatabase(services.databaseUrl, 2);
      const store = new RedisDedupStore(services.redis, config.namespace);
      try {
        const definition = await new ElectionCatalogue(db, (json) => unwrap(parseElection(json))).get(election.data);
        if (definition === undefined) {
          console.error(`no election ${election.data} in the database`);
          process.exitCode = 2;
          return;
        }
        const started = Date.now();
        const credentials = await resetDedup(db, store, definition);
        console.log(
          JSON.stringify({
            event: 'dedup.reset',
            election: definition.id,
            stations: definition.stations.length,
            credentials,
            ms: Date.now() - started,
          }),
        );
      } finally {
        await store.close();
        await db.close();
      }
    });
}

function servicesOrExit(): { config: Config; services: ServicesConfig } {
  const config = loadConfig(process.env);
  if (!config.ok) {
    console.error(config.error);
    process.exit(2);
  }
  if (config.value.services === null) {
    console.error('this command works on the services: set DATABASE_URL, AMQP_URL and REDIS_URL (or REDIS_CLUSTER_NODES)');
    process.exit(2);
  }
  return { config: config.value, services: config.value.services };
}
