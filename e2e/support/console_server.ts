import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Starts e2e/support/console_central.ts as a child process (the real central API on the
 * real services, with the built console) and talks to it over its stdin/stdout.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Account {
  readonly username: string;
  readonly password: string;
}

export interface ConsoleCentral {
  readonly url: string;
  readonly officials: { readonly admin: Account; readonly official: Account; readonly observer: Account };
  /** Runs a command of the support process and returns its JSON answer. */
  command(line: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startConsoleCentral(): Promise<ConsoleCentral> {
  if (!existsSync(`${ROOT}server/console/dist/index.html`)) {
    throw new Error('The console is not built: run `npm run build` before the e2e tests.');
  }
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'e2e/support/console_central.ts'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    waiting.shift()?.(line);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the console central did not answer in time:\n${stderr}`));
      }, 60_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
      child.once('exit', (code) => {
        reject(new Error(`the console central exited (${code}):\n${stderr}`));
      });
    });
  const ready = (await next()) as { url: string; officials: ConsoleCentral['officials'] };
  return {
    url: ready.url,
    officials: ready.officials,
    async command(line) {
      const answer = next();
      child.stdin.write(`${line}\n`);
      const value = await answer;
      if (typeof value.error === 'string') throw new Error(value.error);
      return value;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
      child.kill('SIGTERM');
      await exited;
    },
  };
}
