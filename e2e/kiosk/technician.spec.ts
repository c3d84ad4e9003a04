import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readAuditLog } from '@scrutin/desktop';
import { KioskEnvironment, PLURALITY_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk } from '../support/kiosk_pages.ts';

/**
 * The technician's whole path through the browser host, as docs/technicians.md ("Setting a
 * station up") tells it, on a touchscreen without a physical keyboard: the build's version and
 * hash, the kit chosen from the kits found on the USB drive (a malicious one refused), the
 * enrolment token typed on the on-screen keyboard with a poll worker's PIN, the link and the
 * clock against the real central server, the clock set from the screen (the browser host's
 * simulated clock: the station's own time moves, the machine's never does), the hardware
 * pre-flight, and the end of the setup.
 */
test.describe.configure({ mode: 'serial' });

/** The kiosk's first poll worker (kiosk_env.ts). */
const WORKER = { name: 'Amélie Tremblay', pin: '482915' } as const;
const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'desktop', 'package.json'), 'utf8')) as { version: string })
  .version;

let env: KioskEnvironment;
let station: KioskStation;
let kiosk: Kiosk;
let page: Page;

/** Types text key by key on the technician's on-screen keyboard (Shift before each capital). */
async function typeOnScreen(keyboard: Locator, text: string): Promise<void> {
  for (const char of text) {
    const lower = char.toLowerCase();
    if (char !== lower) await keyboard.getByRole('button', { name: /^(Majuscule|Shift)$/ }).click();
    if (char === ' ') await keyboard.getByRole('button', { name: /^(Espace|Space)$/ }).click();
    else await keyboard.getByRole('button', { name: char, exact: true }).click();
  }
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  env = await KioskEnvironment.start([PLURALITY_STATION]);
  station = await env.openKiosk(PLURALITY_STATION);
  // A kiosk screen: touch, no physical keyboard is used below for the kit folder and the token.
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, hasTouch: true });
  page = await context.newPage();
  await page.goto(station.url);
  kiosk = new Kiosk(page);
});

test.afterAll(async () => {
  await page.context().close();
  await env.stop();
});

test('the technician sees the build’s version and hash, to compare with the release', async () => {
  await kiosk.expectHeading('Installation du poste de vote');
  const build = page.getByTestId('build-info');
  await expect(build).toContainText(VERSION);
  await expect(build).toContainText('hôte navigateur');
  const hash = (await page.getByTestId('build-hash').textContent())?.trim() ?? '';
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  // The hash the screen shows is the one the host computes over the files it serves.
  const answer = (await (await page.request.get(new URL('shell/build', station.url).href)).json()) as { sha256: string };
  expect(hash).toBe(answer.sha256);
  await kiosk.capture('tech-build');
});

test('the technician loads the kit chosen from the USB drive; a kit that links out of the drive is refused', async () => {
  // The stick holds the station's kit, and a "kit" that is a link to a folder off the stick.
  const stick = env.usbDir();
  cpSync(env.kit(PLURALITY_STATION).kitDir, join(stick, 'ST-00001'), { recursive: true });
  symlinkSync(env.kit(PLURALITY_STATION).kitDir, join(stick, 'ST-00001-copie'));
  await kiosk.button('Chercher les trousses sur les clés USB', 'Look for kits on the USB drives').click();
  const kits = page.getByTestId('usb-kits');
  const good = kits.locator('li[data-folder="ST-00001"]');
  await expect(good).toContainText('(ST-00001)');
  const linked = kits.locator('li[data-folder="ST-00001-copie"]');
  await expect(linked).toContainText('Trousse refusée : « ST-00001-copie » est un lien, pas un fichier de la clé.');
  await expect(linked.getByRole('button')).toHaveCount(0);
  await kiosk.capture('tech-usb-kits');
  await good.getByRole('button', { name: /^Charger cette trousse/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Trousse chargée' })).toBeVisible();
});

test('the technician enrols the station with the token typed on the on-screen keyboard and a poll worker’s PIN', async () => {
  await page.getByLabel('Membre du personnel présent').selectOption(WORKER.name);
  await page.getByLabel('Son NIP').fill(WORKER.pin);
  // Once the kit is loaded, the keyboard types into the token.
  const keyboard = page.getByRole('group', { name: 'Clavier à l’écran' });
  await expect(page.getByTestId('keyboard-target')).toHaveText('Saisie dans\u00a0: Jeton d’inscription');
  const token = env.kit(PLURALITY_STATION).token;
  await typeOnScreen(keyboard, token);
  await expect(page.getByRole('textbox', { name: 'Jeton d’inscription', exact: true })).toHaveValue(token);
  await kiosk.capture('tech-keyboard-token');
  await kiosk.button('Inscrire le poste', 'Enrol the station').click();
  await expect(page.getByRole('status').filter({ hasText: 'Poste inscrit' })).toBeVisible();
});

test('the technician checks the link and the clock, then runs the hardware pre-flight', async () => {
  const check = await kiosk.checkConnection();
  await expect(check).toContainText('Serveur central joignable');
  await expect(check).toContainText('Le central reconnaît la clé de ce poste');
  await kiosk.button('Vérifier le matériel', 'Run the pre-flight').click();
  const preflight = page.getByTestId('preflight');
  await expect(preflight.locator('[data-item="touchscreen"]')).toHaveAttribute('data-ok', 'true');
  await expect(preflight.locator('[data-item="disk"]')).toHaveAttribute('data-ok', 'true');
  // The clock against central's (the pre-flight asks central).
  await expect(preflight.locator('[data-item="clock"]')).toHaveAttribute('data-ok', 'true');
  await expect(preflight.locator('[data-item="clock"]')).toContainText('de celle du central');
  // The printer item follows CUPS: without the kiosk's queue, the pre-flight says so, and what to do.
  const queues = execFileSync('lpstat', ['-e'], { encoding: 'utf8' }).split('\n');
  const printer = preflight.locator('[data-item="printer"]');
  if (queues.includes('scrutin-station')) await expect(printer).toHaveAttribute('data-ok', 'true');
  else {
    await expect(printer).toHaveAttribute('data-ok', 'false');
    await expect(printer).toContainText('sudo scrutin-kiosk-printer set URI');
  }
  await kiosk.capture('tech-preflight');
});

/** A local time as the setup screen takes it: `2026-10-05 14:30`. */
function localTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
}

test('the technician sets the clock from the screen, and every change is in the audit log', async () => {
  const keyboard = page.getByRole('group', { name: 'Clavier à l’écran' });
  const field = page.getByRole('textbox', { name: 'Nouvelle heure (AAAA-MM-JJ HH:MM, heure locale)', exact: true });
  const setTo = async (time: string) => {
    await page.getByLabel('Membre du personnel présent').selectOption(WORKER.name);
    await page.getByLabel('Son NIP').fill(WORKER.pin);
    await field.click();
    await expect(page.getByTestId('keyboard-target')).toHaveText('Saisie dans : Nouvelle heure (AAAA-MM-JJ HH:MM, heure locale)');
    await typeOnScreen(keyboard, time);
    await expect(field).toHaveValue(time);
    await kiosk.button('Régler l’horloge', 'Set the clock').click();
    await expect(page.getByRole('status').filter({ hasText: 'Horloge réglée à' })).toBeVisible();
  };
  // An hour ahead: the link check now sees the station an hour off central's clock.
  const ahead = localTime(new Date(Date.now() + 3_600_000));
  await setTo(ahead);
  await expect(await kiosk.checkConnection()).toContainText('Écart d’horloge de -');
  await kiosk.capture('tech-clock');
  // Back to the trusted time: within two minutes of central's again.
  await setTo(localTime(new Date()));
  const check = await kiosk.checkConnection();
  await expect(check).not.toContainText('Écart d’horloge');
  const entries = readAuditLog(station.backend.db).filter((e) => e.event === 'clock-set');
  expect(entries.map((e) => e.details)).toEqual([
    expect.objectContaining({ to: new Date(ahead.replace(' ', 'T')).toISOString(), by: 'technician-setup', worker: WORKER.name }),
    expect.objectContaining({ by: 'technician-setup', worker: WORKER.name }),
  ]);
  // The machine's clock never moved: only the station's (the browser host's simulated clock).
  expect(Math.abs(station.clock.now() - Date.now())).toBeLessThan(120_000);
});

test('the technician finishes the setup: the station waits for the polls to open', async () => {
  await kiosk.finishSetup();
  await kiosk.expectHeading('Le bureau de vote n’est pas encore ouvert');
});
