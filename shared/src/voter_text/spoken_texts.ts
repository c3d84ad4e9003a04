import { LANGUAGES, type ElectionDefinition, type Language } from '../election/definition.ts';
import { ballotStyle, findStation } from '../election/election.ts';
import { isTestElection } from '../election/mode.ts';
import type { StationId } from '../ids.ts';
import { clipText, SPELLED_CHARACTERS, templateSegments, type ClipText } from './speech.ts';
import { voterTextEntries, type VoterTextKey } from './voter_text.ts';

/**
 * Every text the audio ballot of one station can say, in both languages: what its kit must
 * hold a clip for. From the voter catalogue (every string, cut at its placeholders), the
 * election's words on the station's ballot (contest titles, questions, answers, candidates,
 * their parties), the names of the election, the station, its riding and the riding's other
 * stations (a card of another station is sent there by name), the numbers the ballot counts
 * with, and the characters codes are spelled with.
 *
 * A changed election definition changes exactly the texts it changes: a renamed candidate
 * replaces that candidate's two texts (one per language), and nothing else. The catalogue's
 * words for a test election only (TEST_ELECTION_TEXTS) are in a test election's kits alone: a
 * live kit has no clip saying its ballots do not count.
 */
/** The numbers said: question n of m, up to m rankings, volume and speed levels, the 30-second idle warning. */
export const SPOKEN_NUMBERS_AT_LEAST = 30;

/** What the audio ballot says in a test election only (docs/decisions/0010-test-mode.md): that its ballots do not count. */
export const TEST_ELECTION_TEXTS: ReadonlySet<VoterTextKey> = new Set<VoterTextKey>(['audio.testElection']);

export function spokenTexts(election: ElectionDefinition, stationId: StationId): readonly ClipText[] {
  const station = findStation(election, stationId);
  if (station === undefined) throw new Error(`station ${stationId} is not in election ${election.id}`);
  const contests = ballotStyle(election, station.riding);
  const riding = election.ridings.find((r) => r.code === station.riding);
  const partyCodes = new Set(contests.flatMap((c) => (c.kind === 'candidate' ? c.candidates.map((k) => k.party) : [])));
  const parties = election.parties.filter((p) => partyCodes.has(p.code));
  const neighbours = election.stations.filter((s) => s.riding === station.riding && s.id !== station.id);
  const largest = Math.max(
    SPOKEN_NUMBERS_AT_LEAST,
    contests.length,
    ...contests.map((c) => (c.kind === 'candidate' ? c.candidates.length : c.options.length)),
  );

  const seen = new Set<string>();
  const texts: ClipText[] = [];
  const add = (language: Language, raw: string) => {
    const text = clipText(raw);
    const key = `${language}\u0000${text}`;
    if (text === '' || seen.has(key)) return;
    seen.add(key);
    texts.push({ language, text });
  };

  const test = isTestElection(election);
  for (const language of LANGUAGES) {
    for (const [key, template] of voterTextEntries(language)) {
      if (!test && TEST_ELECTION_TEXTS.has(key)) continue;
      for (const segment of templateSegments(template)) if (segment.kind === 'text') add(language, segment.text);
    }
    add(language, election.name[language]);
    add(language, station.name[language]);
    if (riding !== undefined) add(language, riding.name[language]);
    for (const s of neighbours) add(language, s.name[language]);
    for (const contest of contests) {
      add(language, contest.title[language]);
      if (contest.kind === 'referendum') {
        add(language, contest.question[language]);
        for (const option of contest.options) add(language, option.label[language]);
      } else {
        for (const candidate of contest.candidates) add(language, candidate.name);
      }
    }
    for (const party of parties) add(language, party.name[language]);
    for (let n = 0; n <= largest; n += 1) add(language, String(n));
    for (const c of SPELLED_CHARACTERS) add(language, c);
  }
  return texts;
}
