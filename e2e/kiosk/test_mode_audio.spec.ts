import { expect, test, type Page } from '@playwright/test';
import { AudioBallot, listenToTheAudioBallot } from '../support/audio_ballot.ts';
import { KioskEnvironment, PIN, PLURALITY_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk } from '../support/kiosk_pages.ts';

/**
 * A test election on the audio ballot (docs/decisions/0010-test-mode.md): a blind voter does
 * not see the ESSAI / TEST band, so the audio ballot says, as it starts and in both languages,
 * that the election is a test whose ballots do not count, from clips of the test kit (espeak-ng)
 * played to their end in the browser. A live election's audio ballot says nothing of the kind
 * (e2e/kiosk/accessible_voting.spec.ts hears its welcome word for word).
 */
test.describe.configure({ mode: 'serial' });

let env: KioskEnvironment;
let station: KioskStation;
let kiosk: Kiosk;
let page: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  env = await KioskEnvironment.start([PLURALITY_STATION], { audio: true, mode: 'test' });
  station = await env.openKiosk(PLURALITY_STATION, { renderer: 'e2e' });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await listenToTheAudioBallot(context);
  page = await context.newPage();
  await page.goto(station.url);
  kiosk = new Kiosk(page);
  await kiosk.loadKit(env.kit(PLURALITY_STATION).kitDir);
  await kiosk.enrol(env.kit(PLURALITY_STATION).token);
  await kiosk.finishSetup();
  await kiosk.unlockStaff(PIN);
  await kiosk.openPolls();
  await kiosk.lock();
  await kiosk.expectWelcome();
});

test.afterAll(async () => {
  await page.context().close();
  await env.stop();
});

test('the audio ballot of a test election starts by saying its ballots do not count, in French then in English', async () => {
  const ear = new AudioBallot(page);
  await ear.hear('?', [
    'Bienvenue',
    'Attention\u00a0: ceci est une élection d’essai. Ses bulletins ne comptent pas dans l’élection.',
    'Vote audio. Les flèches haut et bas font entendre les choix\u202f; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
    'Welcome',
    'Attention: this is a test election. Its ballots do not count in the election.',
    'Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
  ]);
  // Played to the end, every clip, from the test kit's audio folder.
  expect(await ear.finishedSpeaking()).toHaveLength(6);
  expect(await ear.errors()).toEqual([]);
  await expect(page.getByTestId('test-marker')).toContainText('ESSAI');
  await kiosk.capture('test-mode-audio-welcome');
});
