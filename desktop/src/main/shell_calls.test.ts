import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { KIOSK_PRINTER, KioskBuildSchema, MachineCheckSchema, PrintOutcomeSchema, SHELL_CHANNELS } from '../api/kiosk_shell.ts';
import { registerShellCalls, type PrintingContents, type ShellCallEvent, type ShellCallsDeps } from './shell_calls.ts';

/** A WebContents stand-in that records its print requests and answers as Chromium would. */
class RecordingContents implements PrintingContents {
  readonly prints: { silent: boolean; printBackground: boolean; deviceName: string }[] = [];
  constructor(
    private readonly outcome: { success: boolean; failureReason: string },
    private readonly printers: readonly string[],
  ) {}
  print(
    options: { silent: boolean; printBackground: boolean; deviceName: string },
    callback: (success: boolean, failureReason: string) => void,
  ) {
    this.prints.push(options);
    setTimeout(() => {
      callback(this.outcome.success, this.outcome.failureReason);
    }, 0);
  }
  getPrintersAsync() {
    return Promise.resolve(this.printers.map((name) => ({ name, displayName: name, description: '', options: {} })));
  }
}

function shell(deps: Partial<ShellCallsDeps> = {}) {
  const handlers = new Map<string, (event: ShellCallEvent) => Promise<unknown>>();
  registerShellCalls(
    {
      ipcMain: {
        handle(channel, listener) {
          handlers.set(channel, listener);
        },
      },
      origin: 'app://kiosk',
      build: () => ({ version: '1.2.3', electron: '45.5.0', asarSha256: 'ab'.repeat(32) }),
      dataDir: tmpdir(),
      statfs,
      now: () => new Date('2026-12-03T14:00:00.000Z'),
      ...deps,
    },
    { version: '1.2.3', electron: '45.5.0' },
  );
  const call = (channel: string, contents: PrintingContents, url = 'app://kiosk/index.html') => {
    const handler = handlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for ${channel}`);
    return handler({ sender: contents, senderFrame: { url } });
  };
  return { handlers, call };
}

describe('the Electron shell’s KioskShell calls', () => {
  it('registers a handler for every call of the KioskShell', () => {
    expect([...shell().handlers.keys()].sort()).toEqual(Object.values(SHELL_CHANNELS).sort());
  });

  it('prints the page silently on the kiosk queue, never through a dialog, and answers Chromium’s outcome', async () => {
    const contents = new RecordingContents({ success: true, failureReason: '' }, [KIOSK_PRINTER]);
    const answer = PrintOutcomeSchema.parse(await shell().call(SHELL_CHANNELS.print, contents));
    expect(answer).toEqual({ ok: true });
    expect(contents.prints).toEqual([{ silent: true, printBackground: false, deviceName: KIOSK_PRINTER }]);
  });

  it('answers a failed print with Chromium’s reason', async () => {
    const contents = new RecordingContents({ success: false, failureReason: 'Invalid deviceName provided' }, []);
    expect(await shell().call(SHELL_CHANNELS.print, contents)).toEqual({ ok: false, reason: 'Invalid deviceName provided' });
  });

  it('gives up on a print that never answers, and on a machine check that hangs', async () => {
    const silent: PrintingContents = {
      print: () => undefined,
      getPrintersAsync: () => new Promise(() => undefined),
    };
    const { call } = shell({ deadlines: { checkMachine: 20, print: 20 } });
    expect(await call(SHELL_CHANNELS.print, silent)).toEqual({ ok: false, reason: 'the printing system did not answer within 0.02 s' });
    await expect(call(SHELL_CHANNELS.checkMachine, silent)).rejects.toThrow('did not answer');
  });

  it('refuses every call from a frame that is not the kiosk page', async () => {
    const contents = new RecordingContents({ success: true, failureReason: '' }, [KIOSK_PRINTER]);
    const { call } = shell();
    for (const channel of Object.values(SHELL_CHANNELS))
      await expect(call(channel, contents, 'https://example.org/')).rejects.toThrow('not the kiosk page');
    expect(contents.prints).toEqual([]);
  });

  it('answers the build with the app.asar hash, or none while it is not hashed yet', async () => {
    const contents = new RecordingContents({ success: true, failureReason: '' }, []);
    expect(KioskBuildSchema.parse(await shell().call(SHELL_CHANNELS.build, contents))).toEqual({
      version: '1.2.3',
      host: 'electron',
      runtime: '45.5.0',
      sha256: 'ab'.repeat(32),
      hashOf: 'app.asar',
    });
    const unhashed = await shell({ build: () => null }).call(SHELL_CHANNELS.build, contents);
    expect(KioskBuildSchema.parse(unhashed).sha256).toBeNull();
  });

  it('measures the data folder’s disk and lists the printers by name', async () => {
    const contents = new RecordingContents({ success: true, failureReason: '' }, [KIOSK_PRINTER, 'Office']);
    const check = MachineCheckSchema.parse(await shell().call(SHELL_CHANNELS.checkMachine, contents));
    const fs = await statfs(tmpdir());
    expect(check.disk.totalBytes).toBe(fs.blocks * fs.bsize);
    expect(check.disk.freeBytes).toBeGreaterThan(0);
    expect(check.disk.freeBytes).toBeLessThanOrEqual(check.disk.totalBytes);
    expect(check.printers).toEqual([KIOSK_PRINTER, 'Office']);
    expect(check.time).toBe('2026-12-03T14:00:00.000Z');
  });
});
