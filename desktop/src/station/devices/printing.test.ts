import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateCups, type PrivateCups } from './cups_server.test-support.ts';
import { parseLpoptions, parseLpstat } from './cups.ts';
import { alertOf, Printer, type PrinterError } from './printing.ts';
import { voterSlip } from './printed_reports.ts';

/**
 * Against a real CUPS scheduler (a private cupsd, see cups_server.test-support.ts): real
 * queues, real `lp`/`lpstat`/`lpoptions`/`ipptool`/`cupsenable`, and a backend that writes
 * each job to a file and runs out of paper on demand.
 */
let cups: PrivateCups;

beforeAll(async () => {
  cups = await startPrivateCups();
});
afterAll(async () => {
  await cups.stop();
});

const document = {
  title: 'Rapport zero ST-00001',
  text: 'RAPPORT ZÉRO · ZERO REPORT\nCopie 1 de 2 · Copy 1 of 2\n\fRAPPORT ZÉRO · ZERO REPORT\nCopie 2 de 2 · Copy 2 of 2\n',
};

function expectError(result: { ok: boolean; error?: PrinterError }, kind: PrinterError['kind']): PrinterError {
  expect(result.ok).toBe(false);
  const error = result.error as PrinterError;
  expect(error.kind).toBe(kind);
  expect(error.message.fr).not.toBe('');
  expect(error.message.en).not.toBe('');
  expect(error.message.fr).not.toBe(error.message.en);
  return error;
}

describe('the station printer through CUPS', () => {
  it('finds the configured queue or the default one, and prints silently exactly the document', async () => {
    cups.addPrinter('kiosk-tape');
    cups.addPrinter('office');
    cups.admin('lpadmin', ['-d', 'office']);

    const listed = await new Printer({ printer: null }, { server: cups.server }).list();
    expect(listed).toEqual({ ok: true, value: { printers: ['kiosk-tape', 'office'], defaultPrinter: 'office' } });

    const byDefault = await new Printer({ printer: null }, { server: cups.server }).check();
    expect(byDefault.ok && byDefault.value).toMatchObject({ printer: 'office', state: 'idle', accepting: true, alerts: [] });

    const printer = new Printer({ printer: 'kiosk-tape' }, { server: cups.server });
    const printed = await printer.print(document);
    expect(printed.ok).toBe(true);
    const job = printed.ok ? Number(printed.value.job.split('-').at(-1)) : NaN;
    expect(printed.ok && printed.value.printer).toBe('kiosk-tape');
    expect(cups.printed('kiosk-tape').get(job)).toBe(document.text);
    expect(cups.printed('office').size).toBe(0);
  });

  it('names a printer that does not exist, with the queues it knows', async () => {
    const error = expectError(await new Printer({ printer: 'nowhere' }, { server: cups.server }).check(), 'printer-unknown');
    expect(error).toMatchObject({ printer: 'nowhere', available: expect.arrayContaining(['kiosk-tape', 'office']) as unknown });
    expect(error.message.fr).toContain('«\u202fnowhere\u202f» est introuvable');
  });

  it('refuses to print on a disabled printer and on one that rejects jobs, and prints nothing', async () => {
    cups.addPrinter('disabled');
    cups.admin('cupsdisable', ['-r', 'maintenance', 'disabled']);
    const disabled = new Printer({ printer: 'disabled' }, { server: cups.server });
    expectError(await disabled.check(), 'printer-stopped');
    expectError(await disabled.print(document), 'printer-stopped');
    expect(cups.printed('disabled').size).toBe(0);

    cups.addPrinter('rejecting');
    cups.admin('cupsreject', ['-r', 'closed', 'rejecting']);
    const rejecting = new Printer({ printer: 'rejecting' }, { server: cups.server });
    const error = expectError(await rejecting.print(document), 'printer-rejecting');
    expect(error.message).toEqual({
      fr: 'L’imprimante refuse les impressions (désactivée dans le service d’impression). Avisez le soutien technique.',
      en: 'The printer refuses print jobs (turned off in the printing service). Tell technical support.',
    });
    expect(cups.printed('rejecting').size).toBe(0);
  });

  it('tells the poll worker the paper ran out, keeps the job, and prints it once paper is back and the printer resumed', async () => {
    const folder = cups.addPrinter('paper');
    const printer = new Printer({ printer: 'paper' }, { server: cups.server });
    writeFileSync(join(folder, 'paper-out'), '');

    const waiting = expectError(await printer.print(document, { waitMs: 20_000, pollMs: 100 }), 'print-not-finished');
    // CUPS stops the queue when the backend reports the paper out: both are reported.
    expect(waiting).toMatchObject({
      alerts: expect.arrayContaining([
        { kind: 'paper-out', reason: 'media-empty-error', blocking: true },
        { kind: 'paused', reason: 'paused', blocking: true },
      ]) as unknown,
    });
    expect(waiting.message.fr).not.toContain('pause');
    expect(waiting.message.fr).toContain('il n’y a plus de papier');
    expect(waiting.message.en).toContain('it is out of paper');
    expect(cups.printed('paper').size).toBe(0);

    const check = expectError(await printer.check(), 'printer-needs-attention');
    expect(check).toMatchObject({ alerts: [{ kind: 'paper-out' }] });
    // A new document is refused while the paper is out, rather than queued behind the first.
    expectError(await printer.print(document), 'printer-needs-attention');

    rmSync(join(folder, 'paper-out'));
    const job = (waiting as Extract<PrinterError, { kind: 'print-not-finished' }>).job;
    const resumed = await printer.resume([{ printer: 'paper', job }]);
    // The scheduler forgot the job once printed (no history): its outcome came from the notification.
    expect(resumed).toMatchObject({ ok: true, value: { jobs: [{ ok: true, value: { printer: 'paper', job } }] } });
    expect([...cups.printed('paper').values()]).toEqual([document.text]);
  });

  it('keeps no copy of a voter slip in the CUPS spool once printed', async () => {
    cups.addPrinter('slips');
    const printer = new Printer({ printer: 'slips' }, { server: cups.server });
    const slip = voterSlip({
      electionName: { fr: 'Élection (démo)', en: 'Election (demo)' },
      stationName: { fr: 'Bureau 1', en: 'Station 1' },
      trackingCode: 'K7QX2M9PRT4W',
      verifyAt: null,
      mode: 'live',
    });
    const printed = await printer.print(slip);
    expect(printed.ok).toBe(true);
    const job = printed.ok ? Number(printed.value.job.split('-').at(-1)) : NaN;
    expect([...cups.printed('slips').values()]).toEqual([slip.text]);
    expect(slip.text).toContain('K7QX 2M9P RT4W');
    expect(job).toBeGreaterThan(0);
    expect(cups.spooledDocuments()).toEqual([]);
  });

  it('says when the printing service does not answer', async () => {
    const error = expectError(
      await new Printer({ printer: 'office' }, { server: join(cups.root, 'no-such.sock') }).check(),
      'cups-unavailable',
    );
    expect(error.message.en).toMatch(/^The printing service does not answer/);
  });
});

describe('reading what CUPS says', () => {
  it('parses lpstat -p -d and lpoptions -p', () => {
    expect(
      parseLpstat(
        'printer a is idle.  enabled since x\n\tAlerts: none\nprinter b disabled since y -\n\treason\nsystem default destination: b\n',
      ),
    ).toEqual({
      printers: ['a', 'b'],
      defaultPrinter: 'b',
    });
    expect(parseLpstat('printer a is idle.\nno system default destination\n').defaultPrinter).toBeNull();
    const options = parseLpoptions(
      "copies=1 printer-location printer-make-and-model='Local Raw Printer' printer-info=A\\ B printer-state=5 printer-state-reasons=media-empty-error,paused",
    );
    expect(Object.fromEntries(options)).toEqual({
      copies: '1',
      'printer-location': '',
      'printer-make-and-model': 'Local Raw Printer',
      'printer-info': 'A B',
      'printer-state': '5',
      'printer-state-reasons': 'media-empty-error,paused',
    });
  });

  it('classifies printer-state-reasons', () => {
    expect(alertOf('media-empty-error')).toEqual({ kind: 'paper-out', reason: 'media-empty-error', blocking: true });
    expect(alertOf('media-low-report')).toEqual({ kind: 'paper-low', reason: 'media-low-report', blocking: false });
    expect(alertOf('offline-report')).toEqual({ kind: 'offline', reason: 'offline-report', blocking: true });
    expect(alertOf('toner-low-warning')).toEqual({ kind: 'supplies-low', reason: 'toner-low-warning', blocking: false });
    expect(alertOf('fuser-over-temp-error')).toEqual({ kind: 'other', reason: 'fuser-over-temp-error', blocking: true });
    expect(alertOf('com.vendor-thing-warning')).toEqual({ kind: 'other', reason: 'com.vendor-thing-warning', blocking: false });
  });
});
