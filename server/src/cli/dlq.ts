import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.ts';
import { postgresDatabase } from '../db/database.ts';
import { recordAudit } from '../officials/audit.ts';
import {
  listDeadLetters,
  purgeDeadLetters,
  requeueDeadLetters,
  type DeadLetter,
  type DeadLetterSelection,
} from '../pipeline/dead_letters.ts';

/**
 * `scrutin dlq list | requeue | purge`: the dead-letter queue procedure of
 * docs/runbooks/dlq.md. It reads the server's environment (AMQP_URL, SCRUTIN_NAMESPACE, and
 * DATABASE_URL: requeue and purge write what they did to the officials' audit log). No
 * envelope is ever printed: a dead-lettered batch still pairs credentials with ballots.
 */
export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('The dead-letter queue: batches the validators could not process (docs/runbooks/dlq.md).');

  dlq
    .command('list')
    .description('list the messages in the dead-letter queue (they stay there)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const config = servicesConfig();
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) fail('--limit must be a positive integer');
      const listing = await listDeadLetters(config.services.amqpUrl, config.namespace, limit);
      if (options.json === true) {
        console.log(JSON.stringify(listing, null, 2));
        return;
      }
      console.log(`${listing.total} message(s) in the dead-letter queue ${config.namespace}.batches.dead`);
      for (const m of listing.messages) console.log(line(m));
    });

  dlq
    .command('requeue')
    .description('send messages back to the batch queue, once the cause of their failure is fixed')
    .option('--id <id...>', 'only these messages (ids from `scrutin dlq list`)')
    .option('--all', 'every message')
    .option('--reason <text>', 'why, for the audit log')
    .action(async (options: { id?: string[]; all?: boolean; reason?: string }) => {
      const config = servicesConfig();
      const selection = selectionOf(options);
      const moved = await requeueDeadLetters(config.services.amqpUrl, config.namespace, selection);
      await audit(config, 'queue.dead_letters_requeued', moved, options.reason);
      console.log(`${moved.length} message(s) sent back to the batch queue`);
      for (const m of moved) console.log(line(m));
    });

  dlq
    .command('purge')
    .description('remove messages from the dead-letter queue for good (recorded in the audit log)')
    .option('--id <id...>', 'only these messages (ids from `scrutin dlq list`)')
    .option('--all', 'every message')
    .requiredOption('--reason <text>', 'why they are removed, for the audit log')
    .option('--yes', 'confirm: the removed batches will not be counted')
    .action(async (options: { id?: string[]; all?: boolean; reason: string; yes?: boolean }) => {
      const config = servicesConfig();
      const selection = selectionOf(options);
      if (options.yes !== true) fail('purging removes batches for good: look at `scrutin dlq list` first, then add --yes');
      if (options.reason.trim().length < 3) fail('--reason must say why');
      const removed = await purgeDeadLetters(config.services.amqpUrl, config.namespace, selection);
      await audit(config, 'queue.dead_letters_purged', removed, options.reason);
      console.log(`${removed.length} message(s) removed from the dead-letter queue`);
      for (const m of removed) console.log(line(m));
    });
}

function line(m: DeadLetter): string {
  const what =
    m.station === null
      ? 'not a batch'
      : `election ${m.election ?? '?'} station ${m.station} sequence ${String(m.sequence)} (${String(m.envelopes)} envelopes)`;
  return `${m.id}  ${what}, ${m.bytes} bytes, reason ${m.reason ?? 'unknown'}${m.deadLetteredAt === null ? '' : ` at ${m.deadLetteredAt}`}`;
}

function selectionOf(options: { id?: string[]; all?: boolean }): DeadLetterSelection {
  const ids = options.id ?? [];
  if (options.all === true && ids.length > 0) fail('give --all or --id, not both');
  if (options.all === true) return { kind: 'all' };
  if (ids.length === 0) fail('say which messages: --id <id...> (from `scrutin dlq list`) or --all');
  return { kind: 'ids', ids: new Set(ids) };
}

async function audit(
  config: ServicesConfig,
  action: 'queue.dead_letters_purged' | 'queue.dead_letters_requeued',
  messages: readonly DeadLetter[],
  reason?: string,
) {
  if (messages.length === 0) return;
  const db = postgresDatabase(config.services.databaseUrl, 1);
  try {
    await recordAudit(db, cliActor(), action, {
      ...(reason === undefined ? {} : { reason }),
      messages: messages.map((m) => ({
        id: m.id,
        election: m.election,
        station: m.station,
        sequence: m.sequence,
        envelopes: m.envelopes,
        reason: m.reason,
      })),
    });
  } finally {
    await db.close();
  }
}

type ServicesConfig = Config & { readonly services: NonNullable<Config['services']> };

function servicesConfig(): ServicesConfig {
  const config = loadConfig(process.env);
  if (!config.ok) fail(config.error);
  const { services } = config.value;
  if (services === null)
    fail('scrutin dlq needs DATABASE_URL, AMQP_URL and REDIS_URL (and SCRUTIN_NAMESPACE if the server sets it), as the server has');
  return { ...config.value, services };
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
