import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { describeIssues, issuesOf } from '@scrutin/shared/node';
import { loadConfig, type Config } from '../config.ts';
import { migrate, pgliteDatabase, postgresDatabase, type Database } from '../db/database.ts';
import { recordAudit } from '../officials/audit.ts';
import { NewOfficialSchema, RoleSchema, ROLES, UsernameSchema, type Role } from '@scrutin/shared/api';
import { createOfficial, disableOfficial, enableOfficial } from '../officials/users.ts';

/**
 * `scrutin users add | disable | enable`: officials' accounts directly in the database — how
 * the first admin comes to exist, and how an admin account is disabled when no other admin
 * can do it from the console. It reads the same environment as the server (DATABASE_URL,
 * AMQP_URL and REDIS_URL, or SCRUTIN_DATA_DIR in embedded mode) and applies pending
 * migrations first. The password never appears on the command line (where `ps` and shell
 * history would keep it): it is read from standard input or typed at a prompt without echo.
 */

interface AddOptions {
  readonly username: string;
  readonly role: Role;
  readonly passwordStdin?: boolean;
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('Officials’ accounts for the results console and the election administration API.');

  users
    .command('add')
    .description('add an official (the password is read from standard input with --password-stdin, or typed at a prompt without echo)')
    .requiredOption('--username <name>', '2–64 lower-case letters, digits, dots, dashes or underscores')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, role)
    .option('--password-stdin', 'read the password from standard input (one line)')
    .action(async (options: AddOptions) => {
      const message = await addUser(options);
      if (message !== undefined) fail(message);
    });

  users
    .command('disable')
    .description('disable an official: no login, and every session of theirs ends now (audited)')
    .requiredOption('--username <name>', 'the official to disable')
    .action(async (options: { readonly username: string }) => {
      const message = await setDisabled(options.username, true);
      if (message !== undefined) fail(message);
    });

  users
    .command('enable')
    .description('enable a disabled official again (audited)')
    .requiredOption('--username <name>', 'the official to enable')
    .action(async (options: { readonly username: string }) => {
      const message = await setDisabled(options.username, false);
      if (message !== undefined) fail(message);
    });
}

/** Disables or enables the official; returns an error message, or undefined when done. */
async function setDisabled(name: string, disable: boolean): Promise<string | undefined> {
  const config = loadConfig(process.env);
  if (!config.ok) return config.error;
  if (config.value.services === null && config.value.dataDir === undefined) {
    return 'no database to write to: set DATABASE_URL (with AMQP_URL and REDIS_URL) or, in embedded mode, SCRUTIN_DATA_DIR';
  }
  const username = UsernameSchema.safeParse(name);
  if (!username.success) return `there is no official named ${name}`;
  const db = await openDatabase(config.value);
  try {
    await migrate(db);
    const outcome = await db.transaction(async (tx) => {
      const result = disable ? await disableOfficial(tx, username.data, new Date()) : await enableOfficial(tx, username.data);
      if (result.ok)
        await recordAudit(tx, cliActor(), disable ? 'official.disabled' : 'official.enabled', {
          username: username.data,
          changed: result.value.changed,
          ...(disable ? { sessionsEnded: result.value.sessionsEnded } : {}),
          via: 'cli',
        });
      return result;
    });
    if (!outcome.ok) return `there is no official named ${username.data}`;
    const { changed, sessionsEnded } = outcome.value;
    if (!changed) console.log(`official ${username.data} was already ${disable ? 'disabled' : 'enabled'}`);
    else if (disable) console.log(`disabled official ${username.data} (${sessionsEnded} session(s) ended)`);
    else console.log(`enabled official ${username.data}`);
    return undefined;
  } finally {
    await db.close();
  }
}

/** Adds the official; returns an error message, or undefined when done. */
async function addUser(options: AddOptions): Promise<string | undefined> {
  const config = loadConfig(process.env);
  if (!config.ok) return config.error;
  if (config.value.services === null && config.value.dataDir === undefined) {
    return 'no database to write to: set DATABASE_URL (with AMQP_URL and REDIS_URL) or, in embedded mode, SCRUTIN_DATA_DIR';
  }

  const username = UsernameSchema.safeParse(options.username);
  if (!username.success) return `cannot add this official:\n${describeIssues(issuesOf(username.error))}`;

  let password: string;
  try {
    password = options.passwordStdin === true ? await passwordFromStdin() : await passwordFromPrompt();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const parsed = NewOfficialSchema.safeParse({ username: options.username, password, role: options.role });
  if (!parsed.success) return `cannot add this official:\n${describeIssues(issuesOf(parsed.error))}`;

  const db = await openDatabase(config.value);
  try {
    await migrate(db);
    const created = await db.transaction(async (tx) => {
      const result = await createOfficial(tx, parsed.data);
      if (result.ok)
        await recordAudit(tx, cliActor(), 'official.created', { username: result.value.username, role: result.value.role, via: 'cli' });
      return result;
    });
    if (!created.ok) {
      const error = created.error;
      switch (error.kind) {
        case 'exists':
          return `there is already an official named ${error.username}`;
        case 'common-password':
          return `cannot add this official:\npassword: ${error.problem}`;
      }
    }
    console.log(`added official ${created.value.username} (${created.value.role})`);
    return undefined;
  } finally {
    await db.close();
  }
}

function openDatabase(config: Config): Promise<Database> {
  return config.services === null ? pgliteDatabase(config.dataDir) : Promise.resolve(postgresDatabase(config.services.databaseUrl, 1));
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (/[\r\n]/.test(text)) throw new Error('the password read from standard input must be a single line');
  return text;
}

async function passwordFromPrompt(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('standard input is not a terminal: pass the password on standard input with --password-stdin');
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Password again: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          return;
        }
        if (ch === '\u0003') {
          finish(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

function role(value: string): Role {
  const parsed = RoleSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
  return parsed.data;
}

/** An error about the request itself (not its syntax): a message and exit code 1, no help. */
function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
