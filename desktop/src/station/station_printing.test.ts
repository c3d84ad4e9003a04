import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unwrap } from '@scrutin/shared';
import { readAuditLog } from './audit_log.ts';
import { startPrivateCups, stationCupsdSettings, type PrivateCups } from './devices/cups_server.test-support.ts';
import { Printer } from './devices/printing.ts';
import { PAGE_BREAK } from './devices/text_layout.ts';
import { pendingPrints } from './pending_prints.ts';
import { ensureStationKey } from './enrolment.ts';
import {
  GOOD_PIN,
  IRV_STATION,
  NOW,
  POLL_WORKERS,
  TestClock,
  castFor,
  fixtureElection,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from './fixtures.test-support.ts';

/**
 * The station prints through a real CUPS (a private cupsd, devices/cups_server.test-support.ts):
 * the printer is checked before the polls open, the zero report prints at opening and the
 * closing report's numbered copies at close, silently, and the audit log says what printed.
 */
let cups: PrivateCups;
let credentials: CredentialsFixture;
beforeAll(async () => {
  cups = await startPrivateCups();
  credentials = await makeCredentials(fixtureElection());
});
afterAll(async () => {
  await cups.stop();
  removeTempDirs();
});

/** A printed text with its line breaks and padding as single spaces (reports wrap to the paper's width). */
const words = (text: string) => text.replace(/\s+/g, ' ');

async function stationWithPrinter(queue: string) {
  const printer = new Printer({ printer: queue }, { server: cups.server });
  const station = openTestStation(tempDir(), new TestClock(NOW), undefined, { autoSync: false }, { printer });
  unwrap(await station.loadKit({ path: await makeKit(credentials, { station: IRV_STATION }) }));
  ensureStationKey(station.db, NOW);
  return station;
}

describe('printing at the station', () => {
  it('refuses to open the polls while the printer cannot print, and opens once it can', async () => {
    cups.addPrinter('stopped-tape');
    cups.admin('cupsdisable', ['-r', 'maintenance', 'stopped-tape']);
    const station = await stationWithPrinter('stopped-tape');
    const refused = await station.openPolls({ pin: GOOD_PIN });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'printer-problem', reason: 'printer-stopped' } });
    if (refused.ok) throw new Error('opened');
    expect(refused.error.message.fr).not.toBe(refused.error.message.en);
    expect(unwrap(await station.status({})).polls).toBe('setup');
    expect(cups.printed('stopped-tape').size).toBe(0);

    cups.admin('cupsenable', ['stopped-tape']);
    const opened = unwrap(await station.openPolls({ pin: GOOD_PIN }));
    expect(opened).toMatchObject({ state: 'open', zeroReport: { outcome: 'printed', reconciles: true, problem: null } });
    station.close();
  });

  it('prints the zero report at opening and the closing report’s numbered copies at close, once', async () => {
    cups.addPrinter('station-tape');
    const station = await stationWithPrinter('station-tape');
    const opened = unwrap(await station.openPolls({ pin: GOOD_PIN }));
    expect(opened.zeroReport).toEqual({ outcome: 'printed', copies: 1, reconciles: true, problem: null });
    const [zero = ''] = [...cups.printed('station-tape').values()].map(words);
    expect(zero).toContain('RAPPORT ZÉRO ZERO REPORT Copie 1 de 1');
    expect(zero).toContain('Bulletins dans l’urne · Ballots in the box ... 0');
    expect(zero).toContain('lots en attente 0 : tous à zéro OK');
    expect(zero).toContain('Le rapport concorde. The report reconciles.');
    for (const worker of POLL_WORKERS) expect(zero).toContain(`Nom · Name : ${worker.name}`);

    await castFor(station, credentials.election, credentials.cards(IRV_STATION).slice(0, 3));
    unwrap(await station.closePolls({ pin: GOOD_PIN }));
    const report = unwrap(await station.closingReport({ pin: GOOD_PIN }));
    expect(report.printed).toEqual({ outcome: 'printed', copies: 3, reconciles: true, problem: null });
    const jobs = [...cups.printed('station-tape').values()];
    expect(jobs).toHaveLength(2);
    const pages = jobs[1]!.split(PAGE_BREAK).map(words);
    expect(pages).toHaveLength(3);
    for (const [i, page] of pages.entries()) {
      expect(page).toContain(`Copie ${i + 1} de 3 · Copy ${i + 1} of 3`);
      expect(page).toContain('Électeurs inscrits au bureau 3 = bulletins déposés 3 + partis sans voter 0 : OK');
      expect(page).not.toContain('NE CONCORDE PAS');
      expect(page).toContain('Premiers choix seulement · First choices only');
      expect(page).toContain('Témoin 2 · Witness 2');
      for (const worker of POLL_WORKERS) expect(page).toContain(`Nom · Name : ${worker.name}`);
    }
    // Asked again, the report is shown, not printed again.
    expect(unwrap(await station.closingReport({ pin: GOOD_PIN })).printed.outcome).toBe('already-printed');
    expect(cups.printed('station-tape').size).toBe(2);
    const printed = readAuditLog(station.db).filter((e) => e.event === 'report-printed');
    expect(printed.map((e) => e.details)).toMatchObject([
      { report: 'zero', reconciles: true, copies: 1, outcome: 'printed' },
      { report: 'closing', reconciles: true, copies: 3, outcome: 'printed' },
    ]);
    station.close();
  });

  it('prints the voter a slip with the receipt code when the station is set to, and logs no code', async () => {
    cups.addPrinter('slip-tape');
    const printer = new Printer({ printer: 'slip-tape' }, { server: cups.server });
    const station = openTestStation(tempDir(), new TestClock(NOW), undefined, { autoSync: false }, { printer, voterSlips: true });
    unwrap(await station.loadKit({ path: await makeKit(credentials, { station: IRV_STATION }) }));
    unwrap(await station.openPolls({ pin: GOOD_PIN }));
    const [receipt = ''] = await castFor(station, credentials.election, credentials.cards(IRV_STATION).slice(3, 4));
    await vi.waitFor(() => {
      expect(cups.printed('slip-tape').size).toBe(2);
    });
    const slip = words([...cups.printed('slip-tape').values()][1]!);
    expect(slip).toContain('Votre code de suivi · Your tracking code');
    expect(receipt).toMatch(/^\w{4}-\w{4}-\w{4}$/);
    expect(slip).toContain(receipt);
    expect(slip).toContain('https://central.example.org');
    expect(JSON.stringify(readAuditLog(station.db))).not.toContain(receipt);
    station.close();
  });
});

describe('resuming printing after the printer failed', () => {
  it('keeps the zero report when the paper runs out mid-job, and prints it exactly once when resumed', async () => {
    const folder = cups.addPrinter('jam-tape');
    const station = await stationWithPrinter('jam-tape');
    // The printer looks ready (CUPS sees nothing yet) but has no paper: the job starts and stops the queue.
    writeFileSync(join(folder, 'paper-out'), '');
    const opened = unwrap(await station.openPolls({ pin: GOOD_PIN }));
    expect(opened.state).toBe('open');
    expect(opened.zeroReport).toMatchObject({ outcome: 'pending', copies: 1, reconciles: true });
    expect(opened.zeroReport.problem?.en).toContain('it is out of paper');
    expect(opened.zeroReport.problem?.fr).toContain('il n’y a plus de papier');
    expect(unwrap(await station.status({})).pendingPrints).toEqual([{ report: 'zero', copies: 1 }]);
    const [kept] = pendingPrints(station.db);
    expect(kept?.cupsJob).toMatch(/^jam-tape-[0-9]+$/);
    expect(cups.printed('jam-tape').size).toBe(0);

    // Resumed with the paper still out: nothing prints, the report stays pending, the words say why.
    const early = await station.resumePrinting({ pin: GOOD_PIN });
    if (early.ok) {
      expect(early.value.printed).toEqual([]);
      expect(early.value.pending).toEqual([{ report: 'zero', copies: 1 }]);
      expect(early.value.problem?.en).toContain('out of paper');
    } else {
      expect(early.error).toMatchObject({ kind: 'printer-problem', reason: 'printer-needs-attention' });
    }
    expect(cups.printed('jam-tape').size).toBe(0);
    expect(unwrap(await station.status({})).pendingPrints).toHaveLength(1);

    // Paper in: the job CUPS kept prints, once; the station waits for it rather than sending it again.
    rmSync(join(folder, 'paper-out'));
    const resumed = unwrap(await station.resumePrinting({ pin: GOOD_PIN }));
    expect(resumed).toEqual({ printed: [{ report: 'zero', copies: 1 }], pending: [], problem: null });
    const printed = [...cups.printed('jam-tape').values()];
    expect(printed).toHaveLength(1);
    expect(words(printed[0] ?? '')).toContain('RAPPORT ZÉRO ZERO REPORT Copie 1 de 1');
    expect(unwrap(await station.status({})).pendingPrints).toEqual([]);
    expect(unwrap(await station.resumePrinting({ pin: GOOD_PIN }))).toEqual({ printed: [], pending: [], problem: null });
    expect(cups.printed('jam-tape').size).toBe(1);
    expect(existsSync(join(folder, 'paper-out'))).toBe(false);
    station.close();
  });

  it('keeps the closing report while the queue is stopped, does not print it twice when asked again, and prints it once resumed', async () => {
    cups.addPrinter('stopped-at-close');
    const station = await stationWithPrinter('stopped-at-close');
    unwrap(await station.openPolls({ pin: GOOD_PIN }));
    await castFor(station, credentials.election, credentials.cards(IRV_STATION).slice(6, 8));
    cups.admin('cupsdisable', ['-r', 'paper jam', 'stopped-at-close']);
    unwrap(await station.closePolls({ pin: GOOD_PIN }));
    const first = unwrap(await station.closingReport({ pin: GOOD_PIN }));
    expect(first.printed).toMatchObject({ outcome: 'pending', copies: 3, reconciles: true });
    expect(first.printed.problem?.en).toContain('Resume printing');
    expect(pendingPrints(station.db)).toMatchObject([{ report: 'closing', copies: 3, cupsJob: null }]);
    // Asked again while it waits: shown, not sent a second time.
    expect(unwrap(await station.closingReport({ pin: GOOD_PIN })).printed).toMatchObject({ outcome: 'pending', problem: null });
    expect(cups.printed('stopped-at-close').size).toBe(1);

    // A wrong PIN changes nothing.
    expect(await station.resumePrinting({ pin: '000000' })).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    expect(pendingPrints(station.db)).toHaveLength(1);

    cups.admin('cupsenable', ['stopped-at-close']);
    const resumed = unwrap(await station.resumePrinting({ pin: GOOD_PIN }));
    expect(resumed).toEqual({ printed: [{ report: 'closing', copies: 3 }], pending: [], problem: null });
    const jobs = [...cups.printed('stopped-at-close').values()];
    expect(jobs).toHaveLength(2);
    const pages = (jobs[1] ?? '').split(PAGE_BREAK).map(words);
    expect(pages.map((page) => /Copie (\d) de 3/.exec(page)?.[1])).toEqual(['1', '2', '3']);
    expect(pages[0]).toContain('bulletins déposés 2');
    expect(unwrap(await station.closingReport({ pin: GOOD_PIN })).printed.outcome).toBe('already-printed');
    expect(unwrap(await station.resumePrinting({ pin: GOOD_PIN })).printed).toEqual([]);
    expect(cups.printed('stopped-at-close').size).toBe(2);

    const audit = readAuditLog(station.db);
    expect(
      audit.filter((e) => e.event === 'report-printed' && (e.details as { report: string }).report === 'closing').map((e) => e.details),
    ).toMatchObject([
      { report: 'closing', outcome: 'printer-stopped', copies: 3 },
      { report: 'closing', outcome: 'printed', copies: 3, resumed: true },
    ]);
    expect(audit.filter((e) => e.event === 'printing-resumed').map((e) => e.details)).toMatchObject([
      { printed: ['closing'], pending: [], problem: null },
      { printed: [], pending: [], problem: null },
    ]);
    station.close();
  });
});

/** Where a receipt code survives in a CUPS scheduler once its slip printed: files (spool, cache, logs) and the job history. */
function receiptTraces(server: PrivateCups, receipt: string): string[] {
  const found = [...server.schedulerFiles()].filter(([, bytes]) => bytes.includes(receipt)).map(([path]) => path);
  const history = server.admin('lpstat', ['-W', 'completed', '-o']);
  if (history.trim() !== '') found.push(`lpstat -W completed: ${history.trim()}`);
  return found;
}

/** Log lines a scheduler wrote per job: the times a kiosk that prints slips saw voters cast. */
function jobTimeTraces(server: PrivateCups): string[] {
  // Access-log lines of job operations, info-level job events, any page-log line. (A printer's
  // failures stay logged, as errors and warnings: a poll worker's problem, not a voter's time.)
  const perJob = /Print-Job|Create-Job|Send-Document|^[ID] \[.*\[Job \d+\]/;
  return [...server.schedulerFiles()]
    .filter(([path]) => path.startsWith('log/'))
    .flatMap(([path, bytes]) =>
      bytes
        .toString('utf8')
        .split('\n')
        .filter((line) => (path === 'log/page_log' ? line.trim() !== '' : perJob.test(line)))
        .map((line) => `${path}: ${line}`),
    );
}

/** One voter votes at a station that prints slips; returns the receipt once its slip printed and CUPS is done with it. */
async function voteWithSlip(server: PrivateCups, queue: string, cards: readonly [number, number]) {
  server.addPrinter(queue);
  const printer = new Printer({ printer: queue }, { server: server.server });
  const station = openTestStation(tempDir(), new TestClock(NOW), undefined, { autoSync: false }, { printer, voterSlips: true });
  unwrap(await station.loadKit({ path: await makeKit(credentials, { station: IRV_STATION }) }));
  unwrap(await station.openPolls({ pin: GOOD_PIN }));
  const [receipt = ''] = await castFor(station, credentials.election, credentials.cards(IRV_STATION).slice(...cards));
  await vi.waitFor(() => {
    expect([...server.printed(queue).values()].some((text) => text.includes(receipt))).toBe(true);
    expect(server.admin('lpstat', ['-o']).trim()).toBe('');
  });
  station.close();
  return receipt;
}

describe('the secrecy of the CUPS spool', () => {
  it('is configured from the kiosk system’s own settings file', () => {
    expect(stationCupsdSettings()).toEqual(
      expect.arrayContaining([
        'PreserveJobFiles No',
        'PreserveJobHistory No',
        'ErrorPolicy stop-printer',
        'MaxJobTime 0',
        'AccessLogLevel config',
        'LogLevel warn',
        'PageLogFormat',
      ]),
    );
  });

  it('keeps no trace of a voter slip’s receipt code once printed: no spool file, no job history', async () => {
    const receipt = await voteWithSlip(cups, 'secret-slips', [4, 5]);
    expect(receipt).toMatch(/^\w{4}-\w{4}-\w{4}$/);
    expect(receiptTraces(cups, receipt)).toEqual([]);
    expect(cups.spooledDocuments()).toEqual([]);
    // Nor when it printed: no log line per job.
    expect(jobTimeTraces(cups)).toEqual([]);
  });

  it('would keep it with CUPS’s defaults (the check can fail)', async () => {
    const defaults = await startPrivateCups({ stationSettings: false });
    try {
      const receipt = await voteWithSlip(defaults, 'default-slips', [5, 6]);
      const traces = receiptTraces(defaults, receipt);
      expect(traces.some((t) => /^spool\/d[0-9]+-001$/.test(t))).toBe(true);
      expect(traces.some((t) => t.startsWith('lpstat -W completed: default-slips-'))).toBe(true);
      expect(jobTimeTraces(defaults).length).toBeGreaterThan(0);
    } finally {
      await defaults.stop();
    }
  });
});
