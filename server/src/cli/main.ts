import { Command } from 'commander';

/**
 * `scrutin`: one command for officials and technicians. Each sub-command lives in its own
 * module under cli/ and registers itself here.
 */
const program = new Command()
  .name('scrutin')
  .description('Scrutin election system: elections, credentials, tabulation.')
  .showHelpAfterError();

await program.parseAsync(process.argv);
