import { Command } from 'commander';
import { registerCredentials } from './credentials.ts';
import { registerDlq } from './dlq.ts';
import { registerElection } from './election.ts';
import { registerImportBatches } from './import_batches.ts';
import { registerKit } from './kit.ts';
import { registerRelease } from './release.ts';
import { registerOperations } from './operations.ts';
import { registerServe } from './serve.ts';
import { registerSimulate } from './simulate.ts';
import { registerTabulate } from './tabulate.ts';
import { registerUsers } from './users.ts';

/**
 * `scrutin`: one command for officials and technicians. Each sub-command lives in its own
 * module under cli/ and registers itself here.
 */
const program = new Command()
  .name('scrutin')
  .description('Scrutin election system: elections, credentials, tabulation.')
  .addHelpText(
    'after',
    '\nThe local demo of the whole system (central server and two kiosks) is `npm start` at the root of the repository.',
  )
  .showHelpAfterError();

registerTabulate(program);
registerElection(program);
registerCredentials(program);
registerUsers(program);
registerServe(program);
registerImportBatches(program);
registerSimulate(program);
registerKit(program);
registerDlq(program);
registerRelease(program);
registerOperations(program);

await program.parseAsync(process.argv);
