import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import {
  createCredentialHasher,
  createVoterCodeGenerator,
  formatNas,
  formatVoterCode,
  openSampleElection,
  syntheticNas,
  unwrap,
  type CredentialHash,
  type StationId,
} from '@scrutin/shared/node';
import { ensureConsoleBuilt } from '../api/console_static.ts';
import { startCentral, type Central } from '../central.ts';
import { loadConfig } from '../config.ts';
import { loadCredentials, saveElection, setElectionState } from '../elections/store.ts';
import { issueEnrolmentToken } from '../sync/enrolment.ts';
import { createOfficial, NewOfficialSchema } from '../officials/users.ts';

/**
 * `scrutin demo` (what `npm start` runs): the central server in embedded mode (PGlite, an
 * in-process broker and validator: nothing to install but Node), with the sample election
 * open now, its voters' credentials loaded, and a few voter cards and station enrolment
 * tokens printed so a person can try it at once.
 */
export interface DemoCard {
  readonly station: StationId;
  readonly nas: string;
  readonly code: string;
}

export interface Demo {
  readonly central: Central;
  /** An admin account for the console and `scrutin simulate`, made for this demo. */
  readonly official: { readonly username: string; readonly password: string };
  readonly cards: readonly DemoCard[];
  readonly tokens: ReadonlyMap<StationId, string>;
}

export async function startDemo(options: { port: number; dataDir?: string; cardsPerStation?: number }): Promise<Demo> {
  const config = unwrap(
    loadConfig({
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(options.dataDir === undefined ? {} : { SCRUTIN_DATA_DIR: options.dataDir }),
    }),
  );
  await ensureConsoleBuilt();
  const central = await startCentral(config);
  const { db, dedup } = central.ctx.services;
  const election = openSampleElection();
  unwrap(await saveElection(db, election));
  await setElectionState(db, election.id, 'open');

  const hash = createCredentialHasher(election.id);
  const nextCode = createVoterCodeGenerator();
  const cards: DemoCard[] = [];
  const credentials: { credential: CredentialHash; station: StationId }[] = [];
  let serial = 0;
  for (const station of election.stations) {
    for (let v = 0; v < station.registeredVoters; v += 1) {
      const nas = syntheticNas(serial);
      const code = nextCode();
      serial += 1;
      credentials.push({ credential: hash.digest(nas, code).toString('hex') as CredentialHash, station: station.id });
      if (v < (options.cardsPerStation ?? 3)) cards.push({ station: station.id, nas: formatNas(nas), code: formatVoterCode(code) });
    }
  }
  await loadCredentials(db, dedup, election.id, credentials);
  const official = { username: 'demo-admin', password: randomBytes(12).toString('base64url') };
  const created = await createOfficial(db, NewOfficialSchema.parse({ ...official, role: 'admin' }));
  if (!created.ok) throw new Error(`the demo official could not be created: ${created.error.kind}`);
  const tokens = new Map<StationId, string>();
  for (const station of election.stations.slice(0, 2)) {
    tokens.set(station.id, (await issueEnrolmentToken(db, election.id, station.id)).token);
  }
  return { central, official, cards, tokens };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Start a complete local demo in embedded mode (what `npm start` runs).')
    .option('--port <port>', 'port of the central server', '8080')
    .option('--data <dir>', 'keep the demo database in this folder (default: in memory)')
    .action(async (options: { port: string; data?: string }) => {
      const demo = await startDemo({ port: Number(options.port), ...(options.data === undefined ? {} : { dataDir: options.data }) });
      const url = demo.central.url;
      const electionId = 'qc-demo-2026';
      console.log(`
Scrutin demo — Élection générale du Québec (démo), polls open now (embedded mode)

  Results console    ${url}/console/
  Central API        ${url}/api/v1
  Live results       ${url}/api/v1/elections/${electionId}/results
  Results stream     ${url}/api/v1/elections/${electionId}/events
  Health / metrics   ${url}/readyz   ${url}/metrics

Demo official (admin, for the console)   ${demo.official.username} / ${demo.official.password}
  Try a load:  npx scrutin simulate --url ${url} --stations 20 --ballots 2000 --admin-password ${demo.official.password}

Station enrolment tokens:
${[...demo.tokens].map(([station, token]) => `  ${station}  ${token}`).join('\n')}

Voter cards (NAS, code):
${demo.cards
  .filter((c) => demo.tokens.has(c.station))
  .map((c) => `  ${c.station}  ${c.nas}  ${c.code}`)
  .join('\n')}

Press Ctrl+C to stop.`);
      const stop = () => {
        void demo.central.stop().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
