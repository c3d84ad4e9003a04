import type { Command } from 'commander';
import { AdminClient } from '../simulate/admin_client.ts';
import { makePlan } from '../simulate/plan.ts';
import { runPlan, runTarget, signAll } from '../simulate/run.ts';
import { StationClient } from '../simulate/station_client.ts';

/**
 * `scrutin simulate`: a generated election set up through the officials' API, then N
 * simulated stations with real keys and real credentials sending signed batches at once,
 * with a share of duplicate and invalid credentials; it reports what the results API shows
 * against what the stations sent.
 */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Simulate stations syncing to a central server and check the results it shows.')
    .requiredOption('--url <url>', 'central server, e.g. http://127.0.0.1:8080')
    .option('--stations <n>', 'stations', '20')
    .option('--ballots <n>', 'ballots cast in all', '2000')
    .option('--batch-size <n>', 'envelopes per batch', '100')
    .option('--concurrency <n>', 'requests in flight', '16')
    .option('--duplicates <share>', 'share of extra envelopes reusing a used credential', '0.01')
    .option('--invalid <share>', 'share of extra envelopes with unknown credentials', '0.01')
    .option('--admin-user <name>', 'an admin of the central server', 'demo-admin')
    .option('--admin-password <password>', 'its password (default: $SCRUTIN_ADMIN_PASSWORD)')
    .action(
      async (o: {
        url: string;
        stations: string;
        ballots: string;
        batchSize: string;
        concurrency: string;
        duplicates: string;
        invalid: string;
        adminUser: string;
        adminPassword?: string;
      }) => {
        const password = o.adminPassword ?? process.env.SCRUTIN_ADMIN_PASSWORD;
        if (password === undefined) {
          console.error('give the admin password with --admin-password or SCRUTIN_ADMIN_PASSWORD');
          process.exit(2);
        }
        const plan = makePlan({
          stations: Number(o.stations),
          ballots: Number(o.ballots),
          duplicateShare: Number(o.duplicates),
          invalidShare: Number(o.invalid),
        });
        const admin = new AdminClient(o.url);
        await admin.login(o.adminUser, password);
        await admin.loadElection(plan.election);
        // Credentials are frozen once the election opens: load them first.
        await admin.loadCredentials(plan.election.id, plan.credentials);
        await admin.setState(plan.election.id, 'open');
        const clients = new Map<string, StationClient>();
        for (const s of plan.election.stations) {
          const client = new StationClient(o.url, plan.election.id, s.id);
          await client.enrol(await admin.enrolmentToken(plan.election.id, s.id));
          clients.set(s.id, client);
        }
        const batchSize = Number(o.batchSize);
        const report = await runPlan(runTarget(plan), clients, signAll(plan, clients, batchSize), {
          url: o.url,
          batchSize,
          concurrency: Number(o.concurrency),
        });
        console.log(JSON.stringify({ election: plan.election.id, ...report }, null, 2));
        process.exitCode = report.exact ? 0 : 1;
      },
    );
}
