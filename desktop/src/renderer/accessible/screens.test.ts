import {
  ballotStyle,
  clipTextsOf,
  sampleElection,
  spokenTexts,
  StationIdSchema,
  type CandidateId,
  type ElectionMode,
  type Language,
  type StationId,
  type Utterance,
} from '@scrutin/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeStation, GOOD_CARD, type FakeStation } from '../../api/fake_station.test-support.ts';
import { ballotOf, blankChoice } from '../ballot/choices.ts';
import { setStationApi } from '../backend/api.ts';
import { RATES, VOLUMES, useAccessibleStore } from '../state/accessible_store.ts';
import { useStationStore } from '../state/station_store.ts';
import { useVoterStore, type CardProblem, type CastProblem } from '../state/voter_store.ts';
import {
  arrivalSpeech,
  cardProblemSpeech,
  castProblemSpeech,
  idleSpeech,
  keysHelp,
  rateSpeech,
  screenOf,
  typedSpeech,
  volumeSpeech,
  type Screen,
  type SessionContext,
} from './screens.ts';

/**
 * The audio ballot's screens, walked through with the real voter store: everything they can
 * say has a clip in the station's kit (the texts the kit builder renders, for every riding of
 * the sample election, in both languages), and what they choose is what the touch screens
 * choose.
 */
const election = sampleElection();
const voter = () => useVoterStore.getState();
const access = () => useAccessibleStore.getState();
let language: Language = 'fr';
let mode: ElectionMode = 'live';
let left = 0;

function ctx(): SessionContext {
  return {
    voter: voter(),
    access: access(),
    language,
    mode,
    parties: election.parties,
    setLanguage: (l) => {
      language = l;
    },
    leave: () => {
      left += 1;
    },
  };
}
const screen = (): Screen => screenOf(ctx());
const item = (id: string) => {
  const found = screen().items.findIndex((i) => i.id === id);
  if (found < 0)
    throw new Error(
      `no item ${id} on ${screen().key}: ${screen()
        .items.map((i) => i.id)
        .join(', ')}`,
    );
  return found;
};
const choose = (id: string) => screen().items[item(id)]!.activate();

/** Every utterance of a screen: arriving, each item, and the help. */
function everything(s: Screen): Utterance[] {
  return [
    ...arrivalSpeech(s),
    ...s.items.map((i) => ({ language: i.language ?? language, parts: [...i.label, ...(i.detail ?? []), ...(i.status ?? [])] })),
    { language, parts: keysHelp('controller', s.nextPage !== undefined) },
    { language, parts: keysHelp('switch', false) },
  ];
}

function startBallot(station: StationId): void {
  const riding = election.stations.find((s) => s.id === station)!.riding;
  const contests = ballotStyle(election, riding);
  useVoterStore.setState({
    phase: 'ballot',
    ticket: 'ab'.repeat(16),
    riding,
    contests: [...contests],
    choices: contests.map(blankChoice),
    index: 0,
  });
}

beforeEach(() => {
  voter().reset();
  access().reset();
  access().start('controller');
  language = 'fr';
  mode = 'live';
});

describe('a test election on the audio ballot', () => {
  const station = StationIdSchema.parse('ST-00001');
  const notice = {
    fr: 'Attention : ceci est une élection d’essai. Ses bulletins ne comptent pas dans l’élection.',
    en: 'Attention: this is a test election. Its ballots do not count in the election.',
  };
  const welcome = () => clipTextsOf(arrivalSpeech(screen())).map((t) => `${t.language}:${t.text}`);

  it('says at its start, in French then in English, that the ballots do not count, from a clip of the test kit', () => {
    mode = 'test';
    expect(screen().key).toBe('welcome');
    expect(welcome()).toEqual([
      'fr:Bienvenue',
      `fr:${notice.fr}`,
      'fr:Vote audio. Les flèches haut et bas font entendre les choix ; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
      'en:Welcome',
      `en:${notice.en}`,
      'en:Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
    ]);
    const kit = new Set(spokenTexts({ ...election, mode: 'test' }, station).map((t) => `${t.language}:${t.text}`));
    expect(welcome().filter((t) => !kit.has(t))).toEqual([]);
  });

  it('says nothing of the kind in a live election, whose kit has no such clip', () => {
    expect(welcome()).toEqual([
      'fr:Bienvenue',
      'fr:Vote audio. Les flèches haut et bas font entendre les choix ; le bouton de sélection choisit. Le bouton d’aide répète où vous êtes.',
      'en:Welcome',
      'en:Audio voting. The up and down arrows let you hear the choices; the select button chooses. The help button repeats where you are.',
    ]);
    const kit = new Set(spokenTexts(election, station).map((t) => `${t.language}:${t.text}`));
    expect(kit.has(`fr:${notice.fr}`) || kit.has(`en:${notice.en}`)).toBe(false);
  });
});

describe('what the audio ballot says', () => {
  /** The first station of each riding: every candidate, party and contest of the election. */
  const stations = election.ridings.map((r) => election.stations.find((s) => s.riding === r.code)!.id);

  for (const station of stations) {
    for (const lang of ['fr', 'en'] as const) {
      it(`has a clip in the kit of ${station} for everything, in ${lang}`, () => {
        language = lang;
        const said: Utterance[] = [];
        const hear = (parts: ReturnType<typeof choose>) => {
          if (parts !== undefined) said.push({ language, parts });
        };
        said.push(...everything(screen()));
        voter().start();
        said.push(...everything(screen()));
        said.push({ language, parts: typedSpeech('046454286', true) }, { language, parts: typedSpeech('ABCDEFGHJKMNPQRSTVWXYZ', false) });
        const problems: CardProblem[] = [
          { kind: 'typo', field: 'nas', detail: null },
          { kind: 'typo', field: 'code', detail: null },
          { kind: 'unknown' },
          { kind: 'already-voted' },
          { kind: 'not-open' },
          { kind: 'unavailable' },
          ...election.stations
            .filter((s) => s.riding === election.stations.find((t) => t.id === station)!.riding && s.id !== station)
            .map((s) => ({ kind: 'other-station' as const, station: s.id, stationName: s.name })),
        ];
        for (const p of problems) said.push({ language, parts: cardProblemSpeech(p, language) });

        startBallot(station);
        for (const contest of voter().contests) {
          said.push(...everything(screen()));
          if (contest.kind === 'referendum') {
            hear(choose('oui'));
            hear(choose('oui'));
            hear(choose('non'));
          } else if (contest.method === 'plurality') {
            hear(choose(contest.candidates[0]!.id));
            hear(choose(contest.candidates[1]!.id));
            hear(choose(contest.candidates[1]!.id));
            hear(choose(contest.candidates[2]!.id));
          } else {
            for (const c of contest.candidates) hear(choose(c.id));
            said.push(...everything(screen()));
            hear(choose(contest.candidates[2]!.id));
            said.push(...everything(screen()));
            hear(choose('up'));
            hear(choose(contest.candidates[0]!.id));
            hear(choose('down'));
            hear(choose(contest.candidates[1]!.id));
            hear(choose('remove'));
            hear(choose(contest.candidates[3]!.id));
            hear(choose('keep'));
          }
          said.push(...everything(screen()));
          if (voter().index === 0) {
            choose('quit');
            said.push(...everything(screen()));
            hear(choose('keep'));
          }
          hear(choose('clear'));
          said.push(...everything(screen()));
          choose('next');
        }
        // The review with blanks, then with choices; casting with blanks asks first.
        said.push(...everything(screen()));
        choose('cast');
        said.push(...everything(screen()));
        hear(choose('back'));
        const problemsOfCast: CastProblem[] = [
          { kind: 'expired' },
          { kind: 'already-voted' },
          { kind: 'refused', detail: { fr: '', en: '' } },
          { kind: 'unavailable' },
        ];
        for (const p of problemsOfCast) said.push({ language, parts: castProblemSpeech(p) });
        useVoterStore.setState({ castProblem: { kind: 'expired' } });
        said.push(...everything(screen()));
        useVoterStore.setState({ phase: 'receipt', receipt: 'W50BT-YEX2J-K7Q2' });
        said.push(...everything(screen()));

        // The two-switch setup, the voice and the idle warning.
        access().start('switch');
        for (const step of ['move', 'select', 'menu'] as const) {
          access().setCalibration(step);
          said.push(...everything(screen()));
        }
        for (const id of ['scan-step', 'scan-auto', 'scan-slower', 'scan-faster', 'privacy', 'privacy']) hear(choose(id));
        for (let level = 0; level < RATES.length; level += 1) said.push({ language, parts: rateSpeech(level) });
        for (let level = 0; level < VOLUMES.length; level += 1) said.push({ language, parts: volumeSpeech(level) });
        said.push({ language, parts: idleSpeech(30) });

        const kit = new Set(spokenTexts(election, station).map((t) => `${t.language}:${t.text}`));
        const missing = clipTextsOf(said)
          .map((t) => `${t.language}:${t.text}`)
          .filter((t) => !kit.has(t));
        expect([...new Set(missing)]).toEqual([]);
        expect(said.length).toBeGreaterThan(50);
      });
    }
  }
});

describe('what the audio ballot chooses', () => {
  let station: FakeStation;
  beforeEach(async () => {
    station = fakeStation();
    setStationApi(station);
    await useStationStore.getState().refresh();
  });

  it('ranks, moves and removes as the touch screen’s taps and arrows do', () => {
    const ranked = StationIdSchema.parse('ST-00007');
    startBallot(ranked);
    choose('next');
    const race = voter().contests[1]!;
    if (race.kind !== 'candidate') throw new Error('not a race');
    const [c1, c2, c3, c4] = race.candidates.map((c) => c.id) as [CandidateId, CandidateId, CandidateId, CandidateId];
    // By ear: rank 1, 2, 3; move 3 up; remove 1; rank 4.
    expect(choose(c1)).toBeDefined();
    choose(c2);
    choose(c3);
    choose(c3);
    expect(screen().key).toMatch(/^rank-/);
    choose('up');
    expect(screen().key).toBe('contest-1-false');
    expect(access().cursor).toBe(item(c3));
    choose(c1);
    choose('remove');
    choose(c4);
    const byEar = voter().choices;

    // By touch, the same intentions with the store's own touch actions.
    startBallot(ranked);
    voter().next();
    voter().toggleRanked(c1);
    voter().toggleRanked(c2);
    voter().toggleRanked(c3);
    voter().moveRanked(c3, -1);
    voter().toggleRanked(c1);
    voter().toggleRanked(c4);
    expect(byEar).toEqual(voter().choices);
    expect(byEar[1]).toEqual({ kind: 'ranked', ranking: [c3, c2, c4] });
  });

  it('casts through the voter store: the ballot the touch screens would cast', async () => {
    voter().start();
    voter().setValue('nas', GOOD_CARD.nas);
    voter().setValue('code', GOOD_CARD.code);
    expect(screen().key).toBe('card');
    choose('continue');
    await expect.poll(() => voter().phase).toBe('ballot');
    choose('non');
    choose('next');
    const race = voter().contests[1]!;
    if (race.kind !== 'candidate') throw new Error('not a race');
    choose(race.candidates[2]!.id);
    choose('next');
    expect(screen().key).toBe('review');
    const expected = ballotOf(election.id, voter().riding!, voter().contests, voter().choices);
    choose('cast');
    await expect.poll(() => voter().phase).toBe('receipt');
    expect(station.ballots).toHaveLength(1);
    const { id: _cast, ...cast } = station.ballots[0] as typeof expected;
    const { id: _expected, ...rest } = expected;
    expect(cast).toEqual(rest);
    expect(screenOf(ctx()).intro.flatMap((u) => u.parts)).toContainEqual({ kind: 'spell', text: 'W50BT-YEX2J' });
    choose('done');
    expect(left).toBe(1);
  });
});
