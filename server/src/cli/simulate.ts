import type { Command } from 'commander';
import { modeOf, StationIdSchema, type StationId } from '@scrutin/shared/node';
import { AdminClient, RefusedError } from '../simulate/admin_client.ts';
import { readStationCards } from '../simulate/cards.ts';
import { makeCardPlan, makePlan, type Plan, type VoterCard } from '../simulate/plan.ts';
import { fetchResults, runPlan, runTarget, signAll, type ResultsView } from '../simulate/run.ts';
import { StationClient } from '../simulate/station_client.ts';

/**
 * `scrutin simulate`: a generated election set up through the officials' API, then N
 * simulated stations with real keys and real credentials sending signed batches at once,
 * with a share of duplicate and invalid credentials; it reports what the results API shows
 * against what the stations sent.
 *
 * With `--election` and `--cards`, it votes into an election already open on the server
 * instead (the `npm start` demo's): it enrols stations that no kiosk has enrolled, through an
 * official's enrolment tokens, and casts ballots with their printed cards, each credential
 * derived as a kiosk derives it; it reports what the run added to the results.
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
    .option('--election <id>', 'vote into this open election instead of creating one (needs --cards)')
    .option('--cards <dir>', 'with --election: the folder `scrutin credentials generate` wrote, with its cards/ (the demo prints it)')
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
        election?: string;
        cards?: string;
      }) => {
        const password = o.adminPassword ?? process.env.SCRUTIN_ADMIN_PASSWORD;
        if (password === undefined) {
          console.error('give the admin password with --admin-password or SCRUTIN_ADMIN_PASSWORD');
          process.exit(2);
        }
        if ((o.election === undefined) !== (o.cards === undefined)) {
          console.error('--election and --cards go together');
          process.exit(2);
        }
        const admin = new AdminClient(o.url);
        await admin.login(o.adminUser, password);
        const shares = { duplicateShare: Number(o.duplicates), invalidShare: Number(o.invalid) };
        const clients = new Map<string, StationClient>();
        let plan: Omit<Plan, 'credentials'>;
        let baseline: ResultsView | undefined;
        if (o.election !== undefined && o.cards !== undefined) {
          const election = await admin.election(o.election);
          const stations: { station: StationId; cards: readonly VoterCard[] }[] = [];
          for (const s of election.stations) {
            if (stations.length === Number(o.stations)) break;
            const cards = readStationCards(o.cards, StationIdSchema.parse(s.id));
            if (cards === null) continue;
            const client = new StationClient(o.url, election.id, s.id, undefined, modeOf(election));
            try {
              await client.enrol(await admin.enrolmentToken(election.id, s.id));
            } catch (error) {
              // A kiosk (or an earlier run) has this station: its voters are not ours to use.
              if (error instanceof RefusedError && error.code === 'station-already-enrolled') continue;
              throw error;
            }
            clients.set(s.id, client);
            stations.push({ station: s.id, cards });
          }
          if (stations.length < Number(o.stations))
            console.error(`only ${stations.length} stations of ${election.id} were not enrolled yet; they vote alone`);
          baseline = await fetchResults(o.url, election.id);
          plan = makeCardPlan({ election, stations, ballots: Number(o.ballots), ...shares });
        } else {
          const generated = makePlan({ stations: Number(o.stations), ballots: Number(o.ballots), ...shares });
          await admin.loadElection(generated.election);
          // Credentials are frozen once the election opens: load them first.
          await admin.loadCredentials(generated.election.id, generated.credentials);
          await admin.setState(generated.election.id, 'open');
          for (const s of generated.election.stations) {
            const client = new StationClient(o.url, generated.election.id, s.id);
            await client.enrol(await admin.enrolmentToken(generated.election.id, s.id));
            clients.set(s.id, client);
          }
          plan = generated;
        }
        const batchSize = Number(o.batchSize);
        const report = await runPlan(runTarget(plan, baseline), clients, signAll(plan, clients, batchSize), {
          url: o.url,
          batchSize,
          concurrency: Number(o.concurrency),
        });
        console.log(JSON.stringify({ election: plan.election.id, stations: [...clients.keys()], ...report }, null, 2));
        process.exitCode = report.exact ? 0 : 1;
      },
    );
}
