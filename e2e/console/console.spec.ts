import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openSampleElection, sampleElectionJson } from '@scrutin/shared/node';
import { ConsoleApp } from '../support/console_pages.ts';
import { ROOT, startConsoleCentral, type ConsoleCentral } from '../support/console_server.ts';

/**
 * The results console against the real central server and services: login and roles, an
 * election loaded and run through the UI, the live overview while `scrutin simulate` sends
 * batches, IRV rounds against the tabulator, exports re-tabulated, and every page checked
 * with axe and photographed to e2e/artifacts/screenshots/console-*.png.
 */

test.describe.configure({ mode: 'serial' });
test.use({ reducedMotion: 'reduce', viewport: { width: 1600, height: 1000 }, acceptDownloads: true });

let central: ConsoleCentral;
const sample = openSampleElection();
let simulation: { election: string; accepted: number; duplicates: number; invalid: number } | null = null;

test.beforeAll(async () => {
  central = await startConsoleCentral();
});

test.afterAll(async () => {
  await central.stop();
});

const work = mkdtempSync(join(tmpdir(), 'scrutin-console-e2e-'));

interface ResultsJson {
  readonly turnout: { readonly ballots: number };
  readonly ridings: readonly {
    readonly riding: string;
    readonly contest: string;
    readonly method: 'plurality' | 'irv';
    readonly race:
      | {
          readonly kind: 'plurality';
          readonly result: {
            readonly standings: readonly { readonly candidate: string; readonly votes: number }[];
            readonly blank: number;
          };
        }
      | {
          readonly kind: 'irv';
          readonly result: {
            readonly rounds: readonly { readonly tally: Record<string, number> }[];
            readonly summary: { readonly undervotes: number };
          };
        }
      | { readonly kind: 'no-votes' | 'irv-error' };
  }[];
  readonly referendums: readonly {
    readonly contest: string;
    readonly national: {
      readonly counts: { readonly oui: number; readonly non: number; readonly blank: number };
      readonly outcome: { readonly kind: string };
    };
  }[];
}

async function results(election: string): Promise<ResultsJson> {
  const response = await fetch(`${central.url}/api/v1/elections/${election}/results`);
  return (await response.json()) as ResultsJson;
}

async function download(page: Page, testId: string, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'server/bin/scrutin.js'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

test('an official logs in; a wrong password is refused on the page', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.open('overview');
  await expect(page.getByRole('heading', { name: 'Connexion des officiels' })).toBeVisible();
  await app.expectAccessible();
  await app.screenshot('login');
  const form = page.getByRole('form', { name: 'Connexion des officiels' });
  await form.getByLabel('Nom d’utilisateur').fill(central.officials.admin.username);
  await form.getByLabel('Mot de passe').fill('not the password at all');
  await form.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toContainText('Nom d’utilisateur ou mot de passe incorrect.');
  await app.login(central.officials.admin);
  await expect(page.getByText('Aucune élection n’est chargée')).toBeVisible();
  await app.logout();
});

test('an admin loads an election through the UI, sees every problem at its path, edits and opens it, and generates credentials', async ({
  page,
}) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.admin);
  await app.nav('Élections').click();

  const broken = sampleElectionJson() as { parties: { colour: string }[]; stations: { riding: string }[] };
  broken.parties[0]!.colour = 'blue';
  broken.stations[2]!.riding = 'NOWHERE';
  writeFileSync(join(work, 'broken.json'), JSON.stringify(broken));
  await app.testId('definition-file').setInputFiles(join(work, 'broken.json'));
  const issues = app.testId('issues');
  await expect(issues).toContainText('parties[0].colour');
  await expect(issues).toContainText('stations[2].riding');
  await expect(app.testId('failure')).toContainText('La définition a 2 problèmes\u202f; rien n’a été enregistré.');
  await app.expectAccessible();
  await app.screenshot('definition-errors');

  writeFileSync(join(work, 'sample.json'), JSON.stringify(sample));
  await app.testId('definition-file').setInputFiles(join(work, 'sample.json'));
  await expect(app.testId('upload-saved')).toContainText(sample.id);

  // Edit the draft: a party's colour with the colour picker.
  const row = page.locator(`tr[data-election="${sample.id}"]`);
  await row.getByRole('button', { name: 'Modifier' }).click();
  const editor = app.testId('editor');
  await expect(editor.getByLabel('Bulletins par lot, au moins (ensemble d’anonymat, 2 à 500)')).toHaveValue('2');
  await expect(app.testId('editor-kdf')).toContainText('scrypt 2^4');
  await app.screenshot('definition-editor-general');
  await editor.getByRole('tab', { name: 'Partis' }).click();
  await editor.getByLabel('Couleur').first().fill('#1e90ff');
  await expect(editor.locator('.colour-field code').first()).toHaveText('#1E90FF');
  await expect(app.testId('editor-valid')).toBeVisible();
  await app.screenshot('definition-editor');
  await app.testId('editor-save').click();
  await expect(editor.getByRole('status')).toHaveText('Brouillon enregistré.');
  // A draft is for officials only: the page's session reads it, the public gets 404.
  const stored = (await (await page.request.get(`${central.url}/api/v1/elections/${sample.id}`)).json()) as {
    parties: { colour: string }[];
    credentials?: unknown;
    secrecy?: unknown;
  };
  expect(stored.parties[0]?.colour).toBe('#1E90FF');
  // What the editor does not change travels untouched: the credential KDF and the secrecy settings.
  expect(stored.credentials).toEqual(sample.credentials);
  expect(stored.secrecy).toEqual(sample.secrecy);
  expect((await fetch(`${central.url}/api/v1/elections/${sample.id}`)).status).toBe(404);
  await editor.getByRole('button', { name: 'Fermer' }).click();

  // Credentials are generated while the election is a draft: they are frozen once it opens.
  await app.open('credentials', sample.id);
  await app.testId('generate').click();
  await expect(app.testId('credential-job')).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  await expect(page.getByRole('progressbar').first()).toHaveAttribute('aria-valuenow', '100');
  // In-server generation is the demo's only (marked so), and no voter card is ever offered for download.
  await expect(app.testId('demo-only')).toBeVisible();
  await expect(page.locator('[data-testid^="cards-"]')).toHaveCount(0);
  await app.expectAccessible();
  await app.screenshot('credentials');
  await app.testId('generate').click();
  await expect(app.testId('failure').locator('strong')).toHaveText('Des identifiants sont déjà chargés pour cette élection.');

  await app.nav('Élections').click();

  await row.getByTestId('to-open').click();
  await row.getByTestId('confirm-open').click();
  await expect(row.getByTestId('election-state')).toHaveText('Scrutin ouvert');
  await row.getByRole('button', { name: 'Consulter' }).click();
  await expect(editor.getByRole('status').first()).toContainText('n’est plus un brouillon');
  await expect(app.testId('editor-save')).toBeDisabled();
  await editor.getByRole('button', { name: 'Fermer' }).click();
  await app.expectAccessible();
  await app.screenshot('definition');

  await app.open('station-admin', sample.id);
  await app.testId('token-ST-00002').click();
  await expect(app.testId('enrolment-token')).toContainText('ST-00002');
  await expect(app.testId('enrolment-token').locator('.token')).toHaveText(/^[A-Za-z0-9_-]{32}$/);
  await app.testId('kit-ST-00002').click();
  const kitForm = app.testId('kit-form');
  await kitForm.getByLabel('Scrutateur·rice 1').fill('Marie Tremblay');
  await kitForm.getByLabel('NIP 1').fill('482913');
  await kitForm.getByLabel('Scrutateur·rice 2').fill('Jean Côté');
  await kitForm.getByLabel('NIP 2').fill('730164');
  await app.expectAccessible();
  await app.screenshot('station-admin');
  const kit = await download(page, 'kit-download', work);
  const listing = await new Promise<string>((resolve) => {
    const tar = spawn('tar', ['-tf', kit]);
    let out = '';
    tar.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    tar.on('exit', () => {
      resolve(out);
    });
  });
  expect(listing).toContain('ST-00002/kit.json');
  expect(readFileSync(kit).includes(Buffer.from('482913'))).toBe(false);
});

test('the live overview updates while `scrutin simulate` sends batches', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.observer);
  const admin = central.officials.admin;
  const sim = run([
    'simulate',
    '--url',
    central.url,
    '--stations',
    '40',
    '--ballots',
    '6000',
    '--batch-size',
    '15',
    '--concurrency',
    '1',
    '--duplicates',
    '0.02',
    '--invalid',
    '0.01',
    '--admin-user',
    admin.username,
    '--admin-password',
    admin.password,
  ]);
  let election = '';
  await expect
    .poll(
      async () => {
        const list = (await (await fetch(`${central.url}/api/v1/elections`)).json()) as { elections: { id: string }[] };
        election = list.elections.find((e) => e.id.startsWith('sim-'))?.id ?? '';
        return election;
      },
      { timeout: 60_000 },
    )
    .not.toBe('');
  await app.open('overview', election);
  await expect(app.testId('live-indicator')).toContainText('En direct');
  await expect.poll(() => app.kpiNumber('kpi-ballots'), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = await app.kpiNumber('kpi-ballots');
  // The page is never reloaded: the figure moves because the server pushed new results.
  await expect.poll(() => app.kpiNumber('kpi-ballots'), { timeout: 60_000 }).toBeGreaterThan(first);
  await app.screenshot('overview-live');

  const outcome = await sim;
  expect(outcome.code, outcome.stderr).toBe(0);
  const report = JSON.parse(outcome.stdout.slice(outcome.stdout.indexOf('{'))) as {
    election: string;
    exact: boolean;
    expected: { accepted: number; duplicates: number; invalid: number };
  };
  expect(report.exact).toBe(true);
  simulation = { election: report.election, ...report.expected };
  await expect.poll(() => app.kpiNumber('kpi-ballots'), { timeout: 30_000 }).toBe(report.expected.accepted);
  const live = await results(election);
  for (const q of live.referendums) {
    await expect(app.testId(`referendum-${q.contest}`).getByTestId('referendum-outcome')).toContainText(
      q.national.outcome.kind === 'adopted' ? 'ADOPTÉ' : 'REJETÉ',
    );
  }
  await expect(app.testId('seat-legend')).toBeVisible();
  await app.expectAccessible();
  await app.screenshot('overview');

  await page.getByRole('group', { name: 'Langue' }).getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Seats by party' })).toBeVisible();
  await app.screenshot('overview-en');
  await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'FR' }).click();

  await app.nav('Circonscriptions').click();
  await expect(app.testId('ridings-table')).toBeVisible();
  await app.expectAccessible();
  await app.screenshot('ridings');
  const plurality = live.ridings.find((r) => r.race.kind === 'plurality');
  if (plurality?.race.kind !== 'plurality') throw new Error('the simulation has no plurality race');
  await app.page.goto(`${central.url}/console/riding?election=${election}&riding=${plurality.riding}`);
  const table = app.testId('plurality-table');
  for (const s of plurality.race.result.standings) await expect(table).toContainText(new Intl.NumberFormat('fr-CA').format(s.votes));
  await app.expectAccessible();
  await app.screenshot('riding-plurality');
});

test('the IRV rounds view matches the tabulator, and each RCTab export re-tabulates to the same rounds', async ({ page }) => {
  if (simulation === null) throw new Error('needs the simulation');
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);
  const live = await results(simulation.election);
  const irv = live.ridings.filter((r) => r.race.kind === 'irv');
  expect(irv.length).toBeGreaterThan(0);
  for (const [i, riding] of irv.entries()) {
    await app.open('exports', simulation.election);
    const dir = mkdtempSync(join(work, 'rctab-'));
    const config = await download(page, `rctab-config-${riding.contest}`, dir);
    await download(page, `rctab-cvr-${riding.contest}`, dir);
    const tabulated = await run(['tabulate', config, '--out', join(dir, 'out')]);
    expect(tabulated.code, tabulated.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as {
      results: { round: number; tally: Record<string, string> }[];
    };

    await page.goto(`${central.url}/console/riding?election=${simulation.election}&riding=${riding.riding}`);
    const rounds = app.testId('irv-rounds');
    await expect(rounds).toBeVisible();
    await expect(rounds.locator('thead th')).toHaveCount(1 + summary.results.length);
    for (const round of summary.results) {
      for (const [candidate, votes] of Object.entries(round.tally)) {
        const cell = rounds.locator(`tr[data-candidate="${candidate}"] td[data-round="${round.round}"] .votes`);
        await expect(cell).toHaveText(new Intl.NumberFormat('fr-CA').format(Number(votes)));
      }
    }
    await expect(app.testId('irv-sankey')).toBeVisible();
    if (i === 0) {
      await app.expectAccessible();
      await app.screenshot('riding-irv');
    }
  }
});

test('results CSV, NIST JSON and CDF CVRs re-tabulate to the live results', async ({ page }) => {
  if (simulation === null) throw new Error('needs the simulation');
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);
  await app.open('exports', simulation.election);
  await app.expectAccessible();
  await app.screenshot('exports');
  const live = await results(simulation.election);

  const csv = readFileSync(await download(page, 'export-csv', work), 'utf8')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
  expect(csv[0]).toEqual(['level', 'riding', 'contest', 'method', 'option', 'party', 'votes', 'share', 'outcome', 'status']);
  const csvVotes = new Map(
    csv
      .slice(1)
      .filter((r) => r[0] === 'riding')
      .map((r) => [`${r[2]}|${r[4]}`, Number(r[6])]),
  );
  for (const r of live.ridings) {
    if (r.race.kind === 'plurality')
      for (const s of r.race.result.standings) expect(csvVotes.get(`${r.contest}|${s.candidate}`)).toBe(s.votes);
    if (r.race.kind === 'irv')
      for (const [c, v] of Object.entries(r.race.result.rounds[0]!.tally)) expect(csvVotes.get(`${r.contest}|${c}`)).toBe(v);
  }

  const nist = JSON.parse(readFileSync(await download(page, 'export-nist', work), 'utf8')) as {
    '@type': string;
    Election: {
      Contest: { '@id': string; '@type': string; ContestSelection: { VoteCounts: { GpUnitId: string; Count: number }[] }[] }[];
    }[];
  };
  expect(nist['@type']).toBe('ElectionResults.ElectionReport');
  for (const q of live.referendums) {
    const contest = nist.Election[0]!.Contest.find((c) => c['@id'] === `contest-${q.contest}`)!;
    expect(contest.ContestSelection.map((s) => s.VoteCounts[0]!.Count)).toEqual([q.national.counts.oui, q.national.counts.non]);
  }

  // Every CVR counted again, outside the server: the same counts as the live tally.
  const cdf = JSON.parse(readFileSync(await download(page, 'export-cvrs', work), 'utf8')) as {
    CVR: {
      CVRSnapshot: {
        CVRContest: { ContestId: string; CVRContestSelection: { ContestSelectionId: string; SelectionPosition: { Rank?: number }[] }[] }[];
      }[];
    }[];
  };
  expect(cdf.CVR).toHaveLength(simulation.accepted);
  const counted = new Map<string, number>();
  for (const cvr of cdf.CVR) {
    for (const contest of cvr.CVRSnapshot[0]!.CVRContest) {
      const first = contest.CVRContestSelection.find((s) => (s.SelectionPosition[0]?.Rank ?? 1) === 1);
      const key = `${contest.ContestId}|${first?.ContestSelectionId ?? ''}`;
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
  }
  for (const r of live.ridings) {
    if (r.race.kind === 'plurality')
      for (const s of r.race.result.standings) expect(counted.get(`contest-${r.contest}|cs-${s.candidate}`) ?? 0).toBe(s.votes);
    if (r.race.kind === 'irv')
      for (const [c, v] of Object.entries(r.race.result.rounds[0]!.tally)) expect(counted.get(`contest-${r.contest}|cs-${c}`) ?? 0).toBe(v);
  }
  for (const q of live.referendums) {
    expect(counted.get(`contest-${q.contest}|bms-${q.contest}-oui`) ?? 0).toBe(q.national.counts.oui);
    expect(counted.get(`contest-${q.contest}|bms-${q.contest}-non`) ?? 0).toBe(q.national.counts.non);
  }
  // Secrecy: no export carries a credential hash.
  expect(JSON.stringify(cdf)).not.toMatch(/[0-9a-f]{64}/);
});

test('operations: station health, rejected envelopes, recount and batch signatures', async ({ page }) => {
  if (simulation === null) throw new Error('needs the simulation');
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.official);
  await app.open('stations', simulation.election);
  await expect(app.testId('stat-enrolled')).toContainText('40 / 40');
  await expect(app.testId('stations-count')).toContainText('40 bureaux affichés sur 40');
  await app.expectAccessible();
  await app.screenshot('stations');

  await app.nav('Enveloppes rejetées').click();
  await expect(app.testId('rejections-duplicates')).toContainText(String(simulation.duplicates));
  await expect(app.testId('rejections-invalid')).toContainText(String(simulation.invalid));
  await expect(app.testId('rejections-chart')).toBeVisible();
  await app.expectAccessible();
  await app.screenshot('rejections');

  await app.nav('Audit').click();
  await page.getByRole('button', { name: 'Lancer le recomptage' }).click();
  await expect(app.testId('recount-verdict')).toContainText('Le recomptage est identique au décompte en direct');
  await expect(app.testId('recount-verdict')).toContainText(new Intl.NumberFormat('fr-CA').format(simulation.accepted));

  // A station's own export file, checked signature by signature against central's record.
  const { exportFile } = (await central.command(`station-export ${sample.id} ST-00004`)) as { exportFile: string };
  await app.open('audit', sample.id);
  await page.locator('.file-input input[type=file]').last().setInputFiles(exportFile);
  const verification = app.testId('verification');
  await expect(verification).toContainText(
    'Bureau ST-00004\u00a0: toutes les signatures sont valides et concordent avec le registre central',
  );
  await expect(verification.locator('.badge', { hasText: 'concorde' })).toHaveCount(2);
  await page.getByRole('button', { name: 'Lancer le recomptage' }).click();
  await expect(app.testId('recount-verdict')).toContainText('identique');
  // The log names the action in words (its code stays on the row), not as a raw code or JSON.
  await expect(app.testId('audit-log').locator('[data-action="batches.verified"]').first()).toHaveText('Lots vérifiés');
  await expect(app.testId('audit-log')).not.toContainText('{"');
  await app.expectAccessible();
  await app.screenshot('audit');
});

test('roles: observers see results only, officials no administration, and the API agrees', async ({ page }) => {
  const app = new ConsoleApp(page, central.url);
  await app.login(central.officials.observer);
  await expect(app.nav('Vue nationale')).toBeVisible();
  await expect(app.nav('Bureaux de vote')).toHaveCount(0);
  await expect(app.nav('Officiels')).toHaveCount(0);
  await app.open('stations', sample.id);
  await expect(page.getByRole('alert')).toContainText('Accès refusé');
  await app.screenshot('forbidden');
  const status = await page.evaluate(async (id) => (await fetch(`/api/v1/admin/elections/${id}/stations`)).status, sample.id);
  expect(status).toBe(403);
  await app.logout();

  await app.login(central.officials.official);
  await expect(app.nav('Bureaux de vote')).toBeVisible();
  await expect(app.nav('Officiels')).toHaveCount(0);
  await app.open('officials');
  await expect(page.getByRole('alert')).toContainText('Accès refusé');
  await app.logout();

  await app.login(central.officials.admin);
  await app.nav('Officiels').click();
  const form = page.getByRole('form', { name: 'Nouvel officiel' });
  await form.getByLabel('Nom d’utilisateur').fill('scrutatrice');
  await form.getByLabel('Mot de passe').fill('une phrase de passe assez longue');
  await form.getByLabel('Rôle').selectOption('official');
  await form.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.locator('tr[data-official="scrutatrice"]')).toContainText('Actif');
  await page.getByLabel('Rôle de scrutatrice').selectOption('observer');
  await expect(page.getByLabel('Rôle de scrutatrice')).toHaveValue('observer');
  await app.expectAccessible();
  await app.screenshot('officials');
  const unauthenticated = await fetch(`${central.url}/api/v1/admin/officials`);
  expect(unauthenticated.status).toBe(401);
});
