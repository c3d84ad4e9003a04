import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { VoterCard } from '@scrutin/server/testing';
import { ballotsCast } from '@scrutin/desktop';
import { RENDERER_DIR } from '@scrutin/desktop/host/renderer-build';
import { AudioBallot, listenToTheAudioBallot, storedSelections } from '../support/audio_ballot.ts';
import { KioskEnvironment, PIN, PLURALITY_STATION, RANKED_STATION, type KioskStation } from '../support/kiosk_env.ts';
import { Kiosk } from '../support/kiosk_pages.ts';

/**
 * The audio ballot, end to end in Chromium, from the keyboard only (an accessible controller
 * and a two-switch interface are USB keyboards): kits built with their clips (espeak-ng), two
 * stations against the real central server. Each voter's words are checked clip by clip, as
 * the kiosk said them, some played to their end in the browser; each ballot is checked where
 * the station stored it, against the same ballot cast on the touch screen, and in the central
 * results.
 */
test.describe.configure({ mode: 'serial' });

let env: KioskEnvironment;
let plurality: KioskStation;
let ranked: KioskStation;
let a: Kiosk;
let b: Kiosk;
let cardsA: readonly VoterCard[];
let cardsB: readonly VoterCard[];

const card = (cards: readonly VoterCard[], i: number): VoterCard => {
  const c = cards[i];
  if (c === undefined) throw new Error(`no card ${i}`);
  return c;
};
const chars = (c: VoterCard) => `${c.nas}${c.code}`.replace(/[^0-9A-Za-z]/g, '');

async function kioskPage(browser: Browser, url: string, viewport = { width: 1920, height: 1080 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await listenToTheAudioBallot(context);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function setUp(kiosk: Kiosk, station: KioskStation): Promise<void> {
  await kiosk.loadKit(env.kit(station.id).kitDir);
  await kiosk.enrol(env.kit(station.id).token);
  await kiosk.finishSetup();
  await kiosk.unlockStaff(PIN);
  await kiosk.openPolls();
  await kiosk.lock();
  await kiosk.expectWelcome();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  env = await KioskEnvironment.start([PLURALITY_STATION, RANKED_STATION], { audio: true });
  plurality = await env.openKiosk(PLURALITY_STATION, { renderer: 'e2e' });
  ranked = await env.openKiosk(RANKED_STATION, { renderer: 'e2e' });
  a = new Kiosk(await kioskPage(browser, plurality.url));
  b = new Kiosk(await kioskPage(browser, ranked.url, { width: 1280, height: 800 }));
  cardsA = env.prepared.stations.find((s) => s.station === PLURALITY_STATION)?.cards ?? [];
  cardsB = env.prepared.stations.find((s) => s.station === RANKED_STATION)?.cards ?? [];
  await setUp(a, plurality);
  await setUp(b, ranked);
});

test.afterAll(async () => {
  await a.page.context().close();
  await b.page.context().close();
  await env.stop();
});

test('the production renderer has no test hook; the end-to-end one does', () => {
  const bundle = (dir: string) =>
    readdirSync(join(dir, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dir, 'assets', f), 'utf8'))
      .join('\n');
  expect(bundle(RENDERER_DIR)).not.toContain('scrutin:speech');
  expect(bundle(join(RENDERER_DIR, '..', 'renderer-e2e'))).toContain('scrutin:speech');
});

test('a voter votes by ear from the controller: referendum and single-choice race, the same ballot as on the touch screen', async () => {
  // First, a voter on the touch screen: yes, Hélène Dufresne.
  await a.startVoting('en');
  await a.enterCard(card(cardsA, 0), 'keyboard');
  await a.submitCard();
  await a.answer('Yes');
  await a.next();
  await a.answer('Hélène Dufresne');
  await a.next();
  await a.cast();
  await a.finish();

  // Then a voter by ear: the help key on the welcome screen starts the audio ballot. A live
  // election: not a word of a test election (e2e/kiosk/test_mode_audio.spec.ts hears that one).
  const ear = new AudioBallot(a.page);
  await ear.hear('?', [
    'Bienvenue',
    'Vote audio. Les flèches haut et bas font entendre les choix ; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
    'Welcome',
    'Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
  ]);
  await a.capture('audio-welcome');
  await ear.hear('ArrowDown', ['Voter en français']);
  await ear.hear('ArrowDown', ['Vote in English']);
  await ear.hear('Enter', [
    'Your voter card',
    'Type the 9 digits of your social insurance number, then the 13 characters of the code printed on your voter card.',
    'Each character is read back to you. Press Select when you are done. The polling station staff can type the card for you.',
  ]);
  await ear.hear('Enter', ['The card is not complete.']);
  await ear.type(chars(card(cardsA, 1)));
  const checking = await ear.count();
  await ear.hear('Enter', ['Checking the card…']);
  expect(
    await ear.next(
      [
        'Referendum L2025-001',
        'Question',
        '1',
        'of',
        '2',
        'Do you approve the creation of a public registry of municipal lobbyists?',
        'The up and down arrows let you hear the answers; choose one.',
        'No choice yet.',
      ],
      checking,
    ),
  ).toHaveLength(8);
  await ear.hear('ArrowDown', ['Yes']);
  await ear.hear('ArrowDown', ['No']);
  await ear.hear('Enter', ['You chose', 'No']);
  await ear.hear('ArrowDown', ['Next']);
  await ear.hear('ArrowUp', ['No', 'Your choice']);
  // A change of mind: yes after all.
  await ear.hear('ArrowUp', ['Yes']);
  await ear.hear('Enter', ['You chose', 'Yes']);
  await a.capture('audio-referendum');

  // Louder and faster (the fastest speed for the rest of the test).
  await ear.hear('+', ['Volume', '6', 'of', '6']);
  for (let level = 4; level <= 7; level += 1) await ear.hear(']', ['Voice speed', String(level), 'of', '7']);
  expect(await ear.voice()).toEqual({ rate: 2, volume: 1 });

  await ear.hear('ArrowRight', [
    'Member for Abitibi-Ouest',
    'Question',
    '2',
    'of',
    '2',
    'The up and down arrows let you hear the candidates; choose one person only.',
    'No choice yet.',
  ]);
  await ear.hear('ArrowDown', ['Suzanne Blais-Gagnon', 'Coalition avenir Québec']);
  await ear.hear('ArrowDown', ['Marc-André Trudel', 'Quebec Liberal Party']);
  await ear.hear('ArrowDown', ['Hélène Dufresne', 'Parti Québécois']);
  await ear.hear('Enter', ['You chose', 'Hélène Dufresne']);
  // The screen hidden while the audio goes on.
  await ear.hear('b', ['The screen is hidden. The sound goes on.']);
  await expect(a.page.getByTestId('privacy-screen')).toBeVisible();
  await a.capture('audio-privacy');
  await ear.hear('?', [
    'Member for Abitibi-Ouest',
    'Question',
    '2',
    'of',
    '2',
    'The up and down arrows let you hear the candidates; choose one person only.',
    'Your choice:',
    'Hélène Dufresne',
    'Parti Québécois',
    'Up and down arrows: the previous or next choice. Select: choose.',
    'Right arrow: the next question. Left arrow: the previous question.',
    'Plus and minus: the volume. Brackets: the speed of the voice.',
    'L: the other language. B: hide or show the screen. Question mark: help.',
  ]);
  await ear.hear('b', ['The screen is shown.']);
  await expect(a.page.getByTestId('privacy-screen')).toBeHidden();
  await a.capture('audio-plurality');

  await ear.hear('ArrowRight', [
    'Review your ballot',
    'Your choices follow, question by question. Choose a question to change it. The last item of the list casts your ballot.',
  ]);
  await ear.hear('ArrowDown', ['Referendum L2025-001', 'Your choice:', 'Yes']);
  await ear.hear('ArrowDown', ['Member for Abitibi-Ouest', 'Your choice:', 'Hélène Dufresne', 'Parti Québécois']);
  await ear.hear('ArrowDown', ['Cast my ballot']);
  await a.capture('audio-review');
  const casting = await ear.count();
  await ear.hear('Enter', ['Casting the ballot…']);
  const receipt = await ear.next((words) => words[0] === 'Your vote is recorded', casting);
  const code = (await a.page.getByTestId('receipt-code').textContent()) ?? '';
  expect(code.length).toBeGreaterThan(5);
  expect(receipt).toEqual([
    'Your vote is recorded',
    'Thank you for voting.',
    'Receipt code',
    ...Array.from(code).map((c) => (c === '-' ? 'dash' : c)),
    'This code lets you check, once the polls have closed, that your ballot was received and counted, on the receipt page of the election’s website; the staff can give you its address. It does not show your choices, and nobody can find your ballot with it.',
    'The help button repeats the code. Choose Finish when you are done.',
  ]);
  // Every clip of the receipt plays to its end in the browser.
  await ear.finishedSpeaking();
  expect(await ear.errors()).toEqual([]);
  await a.capture('audio-receipt');
  await ear.hear('ArrowDown', ['Finish']);
  await a.page.keyboard.press('Enter');
  await a.expectWelcome();

  // The audio ballot is the touch ballot: the station stored the same selections twice.
  const stored = storedSelections(plurality.backend);
  expect(stored).toHaveLength(2);
  expect(stored[1]).toEqual(stored[0]);
  expect(stored[0]).toEqual([
    { kind: 'referendum', contest: 'L2025-001', choice: 'oui' },
    { kind: 'plurality', contest: 'DEP-ABITIBI-OUEST', choice: 'ABITIBI-OUEST-PQ-3' },
  ]);
});

test('a poll worker starts an audio ballot; the voter ranks, changes their mind, switches language, and casts the touch ballot’s ranking', async () => {
  // The touch ballot to compare with: no, then Ruba Haddad first and Olivier Kaplan second.
  await b.startVoting('fr');
  await b.enterCard(card(cardsB, 0), 'keyboard');
  await b.submitCard();
  await b.answer('Non');
  await b.next();
  await b.rank('Ruba Haddad');
  await b.rank('Olivier Kaplan');
  await b.next();
  await b.cast();
  await b.finish();

  const ear = new AudioBallot(b.page);
  await b.unlockStaff(PIN);
  await b.capture('audio-staff-start-1280');
  const start = await ear.count();
  await b.button('Commencer un vote audio', 'Start an audio ballot').click();
  await ear.next(
    [
      'Votre carte d’électeur',
      'Tapez les 9 chiffres de votre numéro d’assurance sociale, puis les 13 caractères du code inscrit sur votre carte d’électeur.',
      'Chaque caractère vous est relu. Appuyez sur Sélection quand vous avez terminé. Le personnel du bureau peut taper la carte pour vous.',
    ],
    start,
  );
  // The poll worker types the card; each character is read back.
  await ear.type(chars(card(cardsB, 1)));
  const checking = await ear.count();
  await ear.hear('Enter', ['Vérification de la carte…']);
  await ear.next((words) => words[0] === 'Référendum L2025-001', checking);
  await ear.hear('ArrowDown', ['Oui']);
  await ear.hear('ArrowDown', ['Non']);
  await ear.hear('Enter', ['Vous avez choisi', 'Non']);
  await ear.hear('ArrowRight', [
    'Député·e de Montréal-Centre',
    'Question',
    '2',
    'sur',
    '2',
    'Classez les personnes candidates par ordre de préférence : chaque personne choisie prend le rang suivant. Choisissez une personne déjà classée pour changer son rang ou la retirer.',
    'Vous pouvez en classer autant que vous le voulez.',
    'Personne n’est classé pour l’instant.',
  ]);
  for (const [name, party] of [
    ['Isabelle Charest-Lo', 'Coalition avenir Québec'],
    ['David Nguyen', 'Parti libéral du Québec'],
    ['Catherine Fournier-Alix', 'Parti québécois'],
    ['Ruba Haddad', 'Québec solidaire'],
  ] as const)
    await ear.hear('ArrowDown', [name, party]);
  await ear.hear('Enter', ['Vous avez classé', 'Ruba Haddad', 'en', 'premier']);
  await ear.hear('ArrowDown', ['Stéphane Morin', 'Parti conservateur du Québec']);
  await ear.hear('ArrowDown', ['Olivier Kaplan', 'Indépendant']);
  await ear.hear('Enter', ['Vous avez classé', 'Olivier Kaplan', 'en', 'deuxième']);
  for (const [name, party] of [
    ['Stéphane Morin', 'Parti conservateur du Québec'],
    ['Ruba Haddad', 'Québec solidaire', 'premier', 'choix'],
    ['Catherine Fournier-Alix', 'Parti québécois'],
    ['David Nguyen', 'Parti libéral du Québec'],
  ] as const)
    await ear.hear('ArrowUp', [name, party, ...(name === 'Ruba Haddad' ? ['premier', 'choix'] : [])]);
  await ear.hear('Enter', ['Vous avez classé', 'David Nguyen', 'en', 'troisième']);
  await b.capture('audio-ranked-1280');

  // A change of mind: David Nguyen up to second, then out of the ranking altogether.
  await ear.hear('Enter', ['David Nguyen', 'troisième', 'choix. Que voulez-vous faire ?']);
  await b.capture('audio-rank-menu-1280');
  await ear.hear('ArrowDown', ['Monter d’un rang']);
  await ear.hear('Enter', ['David Nguyen', 'est maintenant votre', 'deuxième', 'choix.']);
  expect(await ear.current()).toBe('MONTREAL-CENTRE-PLQ-2');
  await ear.hear('Enter', ['David Nguyen', 'deuxième', 'choix. Que voulez-vous faire ?']);
  await ear.hear('ArrowDown', ['Monter d’un rang']);
  await ear.hear('ArrowDown', ['Descendre d’un rang']);
  await ear.hear('ArrowDown', ['Retirer du classement']);
  await ear.hear('Enter', ['Vous avez retiré', 'David Nguyen', 'de votre classement.']);

  // The language changes mid-ballot and nothing is lost.
  await ear.hear('l', [
    'Member for Montréal-Centre',
    'Question',
    '2',
    'of',
    '2',
    'Rank the candidates in order of preference: each person you choose takes the next rank. Choose a person already ranked to change or remove their rank.',
    'You may rank as many as you like.',
    'Your ranking:',
    'first',
    'choice',
    'Ruba Haddad',
    'second',
    'choice',
    'Olivier Kaplan',
  ]);
  await ear.hear('l', [
    'Député·e de Montréal-Centre',
    'Question',
    '2',
    'sur',
    '2',
    'Classez les personnes candidates par ordre de préférence : chaque personne choisie prend le rang suivant. Choisissez une personne déjà classée pour changer son rang ou la retirer.',
    'Vous pouvez en classer autant que vous le voulez.',
    'Votre classement :',
    'premier',
    'choix',
    'Ruba Haddad',
    'deuxième',
    'choix',
    'Olivier Kaplan',
  ]);

  await ear.hear('ArrowRight', [
    'Vérifiez votre bulletin',
    'Vos choix suivent, question par question. Choisissez une question pour la modifier. Le dernier élément de la liste dépose votre bulletin.',
  ]);
  await ear.hear('ArrowDown', ['Référendum L2025-001', 'Votre choix :', 'Non']);
  await ear.hear('ArrowDown', [
    'Député·e de Montréal-Centre',
    'Votre classement :',
    'premier',
    'choix',
    'Ruba Haddad',
    'deuxième',
    'choix',
    'Olivier Kaplan',
  ]);
  await b.capture('audio-review-ranked-1280');
  await ear.hear('ArrowDown', ['Déposer mon bulletin']);
  const casting = await ear.count();
  await ear.hear('Enter', ['Dépôt du bulletin…']);
  const receipt = await ear.next((words) => words[0] === 'Votre vote est enregistré', casting);
  const code = (await b.page.getByTestId('receipt-code').textContent()) ?? '';
  expect(receipt).toEqual([
    'Votre vote est enregistré',
    'Merci d’avoir voté.',
    'Code de reçu',
    ...Array.from(code).map((c) => (c === '-' ? 'tiret' : c)),
    'Ce code vous permet de vérifier, après la fermeture des bureaux, que votre bulletin a été reçu et compté, sur la page des reçus du site de l’élection ; le personnel peut vous en donner l’adresse. Il ne montre pas vos choix, et personne ne peut retrouver votre bulletin avec lui.',
    'Le bouton d’aide répète le code. Choisissez Terminer quand vous avez fini.',
  ]);
  await ear.hear('ArrowDown', ['Terminer']);
  await b.page.keyboard.press('Enter');
  await b.expectWelcome();

  const stored = storedSelections(ranked.backend);
  expect(stored).toHaveLength(2);
  expect(stored[1]).toEqual(stored[0]);
  expect(stored[0]).toEqual([
    { kind: 'referendum', contest: 'L2025-001', choice: 'non' },
    { kind: 'ranked', contest: 'DEP-MONTREAL-CENTRE', ranking: ['MONTREAL-CENTRE-QS-4', 'MONTREAL-CENTRE-IND-6'] },
  ]);
});

test('a voter with two switches: calibration, step scanning, automatic scanning, and the same ballot', async () => {
  const ear = new AudioBallot(a.page);
  // A switch pressed on the welcome screen starts the two-switch setup.
  await ear.hear('1', ['Réglage des contacteurs', 'Appuyez sur le contacteur qui vous servira à passer d’un choix au suivant.']);
  await a.capture('audio-switch-setup');
  await ear.hear('2', ['C’était le contacteur de sélection. Appuyez sur le contacteur de déplacement.']);
  await ear.hear('1', ['Réglage des contacteurs', 'Appuyez maintenant sur le contacteur qui vous servira à choisir.']);
  await ear.hear('1', ['C’était le contacteur de déplacement. Appuyez sur le contacteur de sélection.']);
  await ear.hear('2', ['Réglage des contacteurs', 'Les deux contacteurs fonctionnent. Réglez le défilement, puis choisissez Commencer.']);
  await ear.hear('1', ['Commencer']);
  await ear.hear('1', ['Défilement pas à pas', 'Votre choix']);
  await ear.hear('1', ['Défilement automatique']);
  await ear.hear('1', ['Défilement plus lent']);
  await ear.hear('2', ['Vitesse de défilement', '2', 'sur', '6']);
  await ear.hear('1', ['Défilement plus rapide']);
  await ear.hear('2', ['Vitesse de défilement', '3', 'sur', '6']);
  await ear.hear('2', ['Vitesse de défilement', '4', 'sur', '6']);
  await a.capture('audio-switch-menu');
  // The move switch goes round: past the last item, back to the first.
  await ear.hear('1', ['Masquer l’écran']);
  await ear.hear('1', ['Commencer']);
  await ear.hear('2', [
    'Bienvenue',
    'Vote audio. Les flèches haut et bas font entendre les choix ; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
    'Welcome',
    'Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
  ]);

  // Step scanning: each press of the move switch, the next item.
  await ear.hear('1', ['Voter en français']);
  await ear.hear('1', ['Vote in English']);
  await ear.hear('2', [
    'Your voter card',
    'Type the 9 digits of your social insurance number, then the 13 characters of the code printed on your voter card.',
    'Each character is read back to you. Press Select when you are done. The polling station staff can type the card for you.',
  ]);
  // On the card screen the switches' keys type (the poll worker types the card: 1 and 2 are digits there).
  await ear.type(chars(card(cardsA, 2)));
  const checking = await ear.count();
  await ear.hear('Enter', ['Checking the card…']);
  await ear.next((words) => words[0] === 'Referendum L2025-001', checking);
  await ear.hear('1', ['Yes']);
  await ear.hear('2', ['You chose', 'Yes']);
  await ear.hear('1', ['No']);
  await ear.hear('1', ['Next']);
  await ear.hear('2', [
    'Member for Abitibi-Ouest',
    'Question',
    '2',
    'of',
    '2',
    'The up and down arrows let you hear the candidates; choose one person only.',
    'No choice yet.',
  ]);

  // A helper sets the fastest voice (the scan waits for each item to be said), then automatic
  // scanning on the switch menu (which the S key opens again).
  for (let level = 4; level <= 7; level += 1) await ear.hear(']', ['Voice speed', String(level), 'of', '7']);
  await ear.hear('s', ['Switch setup', 'Both switches work. Set the scanning, then choose Start.']);
  await ear.hear('1', ['Start']);
  await ear.hear('1', ['Step-by-step scanning', 'Your choice']);
  await ear.hear('1', ['Automatic scanning']);
  await ear.hear('2', ['Automatic scanning', 'Your choice']);
  for (const item of [['Slower scanning'], ['Faster scanning'], ['Hide the screen'], ['Start']]) await ear.hear('1', item);
  const back = await ear.count();
  await a.page.keyboard.press('2');
  await ear.next((words) => words[0] === 'Member for Abitibi-Ouest', back);

  // Nothing pressed: the cursor goes from candidate to candidate by itself; the select switch takes the one it is on.
  const chooseWhenOn = async (item: string, words: readonly string[]) => {
    await a.page.locator(`.access-item[aria-current="true"][data-item="${item}"]`).waitFor({ timeout: 60_000 });
    await ear.hear('2', words);
  };
  const scanned = await ear.count();
  await chooseWhenOn('ABITIBI-OUEST-PLQ-2', ['You chose', 'Marc-André Trudel']);
  const heard = await Promise.all(Array.from({ length: 2 }, (_, i) => ear.said(scanned + i)));
  expect(heard).toEqual([
    ['Suzanne Blais-Gagnon', 'Coalition avenir Québec'],
    ['Marc-André Trudel', 'Quebec Liberal Party'],
  ]);
  await a.capture('audio-switch-scanning');
  const review = await ear.count();
  await a.page.locator('.access-item[aria-current="true"][data-item="next"]').waitFor({ timeout: 60_000 });
  await a.page.keyboard.press('2');
  await ear.next((words) => words[0] === 'Review your ballot', review);
  const casting = await ear.count();
  await a.page.locator('.access-item[aria-current="true"][data-item="cast"]').waitFor({ timeout: 60_000 });
  await a.page.keyboard.press('2');
  await ear.next((words) => words[0] === 'Your vote is recorded', casting);
  await a.page.locator('.access-item[aria-current="true"][data-item="done"]').waitFor({ timeout: 60_000 });
  await a.page.keyboard.press('2');
  await a.expectWelcome();

  const stored = storedSelections(plurality.backend);
  expect(stored).toHaveLength(3);
  expect(stored).toContainEqual([
    { kind: 'referendum', contest: 'L2025-001', choice: 'oui' },
    { kind: 'plurality', contest: 'DEP-ABITIBI-OUEST', choice: 'ABITIBI-OUEST-PLQ-2' },
  ]);
});

test('a voter with two switches ranks, changes their mind, and casts the touch ballot’s ranking', async () => {
  const ear = new AudioBallot(b.page);
  await ear.hear('2', ['Réglage des contacteurs', 'Appuyez sur le contacteur qui vous servira à passer d’un choix au suivant.']);
  await ear.hear('1', ['Réglage des contacteurs', 'Appuyez maintenant sur le contacteur qui vous servira à choisir.']);
  await ear.hear('2', ['Réglage des contacteurs', 'Les deux contacteurs fonctionnent. Réglez le défilement, puis choisissez Commencer.']);
  // Step scanning (the default): each press of the move switch, the next item.
  await ear.hear('1', ['Commencer']);
  await ear.hear('2', [
    'Bienvenue',
    'Vote audio. Les flèches haut et bas font entendre les choix ; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
    'Welcome',
    'Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
  ]);
  await ear.hear('1', ['Voter en français']);
  await ear.hear('2', [
    'Votre carte d’électeur',
    'Tapez les 9 chiffres de votre numéro d’assurance sociale, puis les 13 caractères du code inscrit sur votre carte d’électeur.',
    'Chaque caractère vous est relu. Appuyez sur Sélection quand vous avez terminé. Le personnel du bureau peut taper la carte pour vous.',
  ]);
  // A poll worker types the card; the switches work from the ballot on.
  await ear.type(chars(card(cardsB, 2)));
  const checking = await ear.count();
  await ear.hear('Enter', ['Vérification de la carte…']);
  await ear.next((words) => words[0] === 'Référendum L2025-001', checking);
  await ear.hear('1', ['Oui']);
  await ear.hear('1', ['Non']);
  await ear.hear('2', ['Vous avez choisi', 'Non']);
  await ear.hear('1', ['Suivant']);
  await ear.hear('2', [
    'Député·e de Montréal-Centre',
    'Question',
    '2',
    'sur',
    '2',
    'Classez les personnes candidates par ordre de préférence : chaque personne choisie prend le rang suivant. Choisissez une personne déjà classée pour changer son rang ou la retirer.',
    'Vous pouvez en classer autant que vous le voulez.',
    'Personne n’est classé pour l’instant.',
  ]);

  // Olivier Kaplan first, then Ruba Haddad second (the move switch goes round the list).
  for (const words of [
    ['Isabelle Charest-Lo', 'Coalition avenir Québec'],
    ['David Nguyen', 'Parti libéral du Québec'],
    ['Catherine Fournier-Alix', 'Parti québécois'],
    ['Ruba Haddad', 'Québec solidaire'],
    ['Stéphane Morin', 'Parti conservateur du Québec'],
    ['Olivier Kaplan', 'Indépendant'],
  ])
    await ear.hear('1', words);
  await ear.hear('2', ['Vous avez classé', 'Olivier Kaplan', 'en', 'premier']);
  for (const words of [
    ['Vérifier mon bulletin'],
    ['Précédent'],
    ['Effacer le classement'],
    ['Isabelle Charest-Lo', 'Coalition avenir Québec'],
    ['David Nguyen', 'Parti libéral du Québec'],
    ['Catherine Fournier-Alix', 'Parti québécois'],
    ['Ruba Haddad', 'Québec solidaire'],
  ])
    await ear.hear('1', words);
  await ear.hear('2', ['Vous avez classé', 'Ruba Haddad', 'en', 'deuxième']);

  // A change of mind: Ruba Haddad up to first.
  await ear.hear('2', ['Ruba Haddad', 'deuxième', 'choix. Que voulez-vous faire ?']);
  await ear.hear('1', ['Monter d’un rang']);
  await ear.hear('2', ['Ruba Haddad', 'est maintenant votre', 'premier', 'choix.']);
  expect(await ear.current()).toBe('MONTREAL-CENTRE-QS-4');
  await b.capture('audio-switch-ranked-1280');
  await ear.hear('1', ['Stéphane Morin', 'Parti conservateur du Québec']);
  await ear.hear('1', ['Olivier Kaplan', 'Indépendant', 'deuxième', 'choix']);
  await ear.hear('1', ['Vérifier mon bulletin']);
  await ear.hear('2', [
    'Vérifiez votre bulletin',
    'Vos choix suivent, question par question. Choisissez une question pour la modifier. Le dernier élément de la liste dépose votre bulletin.',
  ]);
  await ear.hear('1', ['Référendum L2025-001', 'Votre choix :', 'Non']);
  await ear.hear('1', [
    'Député·e de Montréal-Centre',
    'Votre classement :',
    'premier',
    'choix',
    'Ruba Haddad',
    'deuxième',
    'choix',
    'Olivier Kaplan',
  ]);
  await ear.hear('1', ['Déposer mon bulletin']);
  const casting = await ear.count();
  await ear.hear('2', ['Dépôt du bulletin…']);
  await ear.next((words) => words[0] === 'Votre vote est enregistré', casting);
  await ear.hear('1', ['Terminer']);
  await b.page.keyboard.press('2');
  await b.expectWelcome();

  // The switches cast the ranking the touch screen and the controller cast: three ballots, all
  // the same (the station may already have sent the first, as it holds back only its last two).
  expect(ballotsCast(ranked.backend.db)).toBe(3);
  const stored = storedSelections(ranked.backend);
  expect(stored.length).toBeGreaterThanOrEqual(2);
  for (const selections of stored)
    expect(selections).toEqual([
      { kind: 'referendum', contest: 'L2025-001', choice: 'non' },
      { kind: 'ranked', contest: 'DEP-MONTREAL-CENTRE', ranking: ['MONTREAL-CENTRE-QS-4', 'MONTREAL-CENTRE-IND-6'] },
    ]);
});

test('the fourth text size and the light-on-dark theme, on the touch ballot and the audio ballot, at 1920 × 1080 and 1280 × 800', async () => {
  // 1280 × 800, English, light on dark, the largest text: the card and a ranked ballot of six.
  await b.startVoting('en');
  await b.page.getByRole('button', { name: 'Largest text' }).click();
  await b.page.getByRole('button', { name: 'Light on dark' }).click();
  await expect(b.page.locator('html')).toHaveAttribute('data-contrast', 'dark');
  await expect(b.page.locator('html')).toHaveAttribute('data-text-size', '3');
  await b.capture('card-size3-dark-1280');
  await b.enterCard(card(cardsB, 3), 'keyboard');
  await b.submitCard();
  await b.answer('Yes');
  await b.next();
  await b.rank('Ruba Haddad');
  await b.rank('David Nguyen');
  await b.capture('ballot-ranked-size3-dark-1280');
  await b.page.getByRole('button', { name: 'Previous' }).click();
  await b.button('Abandonner', 'Quit').click();
  await b.page.getByRole('alertdialog').getByRole('button', { name: 'Yes, quit' }).click();
  await b.expectWelcome();
  // The next voter starts from the defaults.
  await expect(b.page.locator('html')).toHaveAttribute('data-contrast', 'normal');

  // 1920 × 1080, French, high contrast, the largest text: the single-choice race.
  await a.startVoting('fr');
  await a.page.getByRole('button', { name: 'Texte géant' }).click();
  await a.page.getByRole('button', { name: 'Contraste élevé' }).click();
  await a.enterCard(card(cardsA, 3), 'keyboard');
  await a.submitCard();
  await a.next();
  await a.answer('Hélène Dufresne');
  await a.capture('ballot-plurality-size3-high');
  await a.next();
  await a.capture('review-size3-high');
  await a.cast({ confirmBlank: true });
  await a.capture('receipt-size3-high');
  await a.finish();

  // The audio ballot in both new settings.
  const ear = new AudioBallot(a.page);
  await ear.press('?');
  await a.page.getByRole('button', { name: 'Texte géant' }).click();
  await a.page.getByRole('button', { name: 'Clair sur foncé' }).click();
  await a.capture('audio-welcome-size3-dark');
  await ear.hear('ArrowDown', ['Voter en français']);
  await ear.press('Enter');
  await ear.hear('ArrowDown', ['Continuer']);
  await ear.hear('ArrowDown', ['Annuler']);
  await a.page.keyboard.press('Enter');
  await a.expectWelcome();
  // Only the ballot cast on the touch screen was cast (some may have left for central already).
  expect(ballotsCast(plurality.backend.db)).toBe(4);
  expect(ballotsCast(ranked.backend.db)).toBe(3);
});

test('at the close the stations send every ballot, and central counts the audio ballots as any other', async () => {
  // While the polls are open each station holds its last ballots back (the anonymity set,
  // k = 2 here); closing seals and sends them all.
  for (const kiosk of [a, b]) {
    await kiosk.unlockStaff(PIN);
    await kiosk.closePolls();
    await kiosk.syncNow();
    await expect(kiosk.stat('pending-sync')).toHaveText('0');
    await kiosk.lock();
  }
  // Seven ballots: on the referendum three oui and three non from the touch, audio and switch
  // ballots, and the touch ballot's blank answer.
  await expect
    .poll(async () => {
      const results = await env.results();
      const referendum = results.referendums.find((r) => r.contest === 'L2025-001');
      return { ballots: results.turnout.ballots, counts: referendum?.national.counts };
    })
    .toMatchObject({ ballots: 7, counts: { oui: 3, non: 3 } });
});
