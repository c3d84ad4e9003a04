import { describe, expect, it } from 'vitest';
import { StationIdSchema } from '../ids.ts';
import { sampleElection, sampleElectionJson } from '../election/fixtures/sample_election.ts';
import { parseElection } from '../election/election.ts';
import { unwrap } from '../result.ts';
import { clipText, clipTextsOf, displayText, say, templateSegments, text, type ClipText } from './speech.ts';
import { spokenTexts, TEST_ELECTION_TEXTS } from './spoken_texts.ts';
import { voterTextEntries } from './voter_text.ts';

const RANKED_STATION = StationIdSchema.parse('ST-00007');
const keyOf = (c: ClipText) => `${c.language}:${c.text}`;

describe('templates cut into clips', () => {
  it('say the text around each value, without the punctuation left alone', () => {
    expect(templateSegments('You ranked {{name}} {{rank}}.')).toEqual([
      { kind: 'text', text: 'You ranked' },
      { kind: 'slot', name: 'name' },
      { kind: 'slot', name: 'rank' },
    ]);
    expect(templateSegments('This card is registered at another polling station: {{name}} ({{id}}). That is where you can vote.')).toEqual([
      { kind: 'text', text: 'This card is registered at another polling station:' },
      { kind: 'slot', name: 'name' },
      { kind: 'slot', name: 'id' },
      { kind: 'text', text: 'That is where you can vote.' },
    ]);
    expect(templateSegments('Bienvenue')).toEqual([{ kind: 'text', text: 'Bienvenue' }]);
  });

  it('normalise a clip’s text the same way wherever it comes from', () => {
    expect(clipText('  Ruba   Haddad ')).toBe('Ruba Haddad');
    expect(clipText(' . ')).toBe('');
    expect(clipText('). That is where')).toBe('That is where');
  });
});

describe('utterances as clips', () => {
  it('fill a catalogue string with the election’s words and a rank word', () => {
    const clips = clipTextsOf([
      { language: 'en', parts: [text('audio.ranked', { name: [say('Ruba Haddad')], rank: [{ kind: 'ordinal', value: 2 }] })] },
      { language: 'fr', parts: [text('audio.ranked', { name: [say('Ruba Haddad')], rank: [{ kind: 'ordinal', value: 2 }] })] },
    ]);
    expect(clips.map(keyOf)).toEqual([
      'en:You ranked',
      'en:Ruba Haddad',
      'en:second',
      'fr:Vous avez classé',
      'fr:Ruba Haddad',
      'fr:en',
      'fr:deuxième',
    ]);
  });

  it('spell a code character by character, a dash as a word, and count with numbers', () => {
    const clips = clipTextsOf([
      { language: 'fr', parts: [{ kind: 'spell', text: 'k7q2-ab' }] },
      { language: 'en', parts: [text('ballot.step', { current: [{ kind: 'number', value: 2 }], total: [{ kind: 'number', value: 3 }] })] },
    ]);
    expect(clips.map(keyOf)).toEqual(['fr:K', 'fr:7', 'fr:Q', 'fr:2', 'fr:tiret', 'fr:A', 'fr:B', 'en:Question', 'en:2', 'en:of', 'en:3']);
  });

  it('read on the screen as they are said', () => {
    const parts = [text('audio.ranked', { name: [say('Ruba Haddad')], rank: [{ kind: 'ordinal', value: 2 }] })];
    expect(displayText(parts, 'en')).toBe('You ranked Ruba Haddad second.');
    expect(displayText(parts, 'fr')).toBe('Vous avez classé Ruba Haddad en deuxième.');
    expect(displayText([text('receipt.codeLabel'), { kind: 'spell', text: 'K7Q2-AB' }], 'en')).toBe('Receipt code K7Q2-AB');
  });

  it('say a rank past the catalogue’s words as a number', () => {
    expect(clipTextsOf([{ language: 'en', parts: [{ kind: 'ordinal', value: 21 }] }]).map(keyOf)).toEqual(['en:rank', 'en:21']);
  });
});

describe('what a station’s kit must say', () => {
  const texts = spokenTexts(sampleElection(), RANKED_STATION);
  const have = new Set(texts.map(keyOf));

  it('holds every string of the voter catalogue, in both languages, but a test election’s', () => {
    for (const language of ['fr', 'en'] as const) {
      for (const [key, template] of voterTextEntries(language)) {
        if (TEST_ELECTION_TEXTS.has(key)) continue;
        for (const segment of templateSegments(template)) {
          if (segment.kind === 'text') expect(have.has(`${language}:${segment.text}`), `${language} ${key}`).toBe(true);
        }
      }
    }
  });

  it('holds the ballot’s words: titles, question, answers, candidates and their parties, in both languages', () => {
    for (const expected of [
      'fr:Référendum L2025-001',
      'en:Do you approve the creation of a public registry of municipal lobbyists?',
      'fr:Oui',
      'en:No',
      'fr:Député·e de Montréal-Centre',
      'en:Member for Montréal-Centre',
      'fr:Ruba Haddad',
      'en:Ruba Haddad',
      'fr:Québec solidaire',
      'en:Quebec Liberal Party',
      'fr:Montréal-Centre — bureau 2',
      'en:Montréal-Centre — station 3',
      'fr:K',
      'en:30',
    ])
      expect(have.has(expected), expected).toBe(true);
    // Another riding's candidates are not on this ballot.
    expect(have.has('fr:Hélène Dufresne')).toBe(false);
  });

  it('says a test election’s ballots do not count in a test election’s kit only', () => {
    const notice = [
      'fr:Attention : ceci est une élection d’essai. Ses bulletins ne comptent pas dans l’élection.',
      'en:Attention: this is a test election. Its ballots do not count in the election.',
    ];
    expect(notice.filter((t) => have.has(t))).toEqual([]);
    const test = new Set(spokenTexts({ ...sampleElection(), mode: 'test' }, RANKED_STATION).map(keyOf));
    expect(notice.filter((t) => test.has(t))).toEqual(notice);
    // Nothing else differs: the live kit's clips are all in the test kit, and the test kit adds the notice only.
    expect([...have].filter((t) => !test.has(t))).toEqual([]);
    expect([...test].filter((t) => !have.has(t))).toEqual(notice);
  });

  it('changes exactly a renamed candidate’s texts when the definition changes', () => {
    const json = sampleElectionJson() as { contests: { id: string; candidates?: { name: string }[] }[] };
    const race = json.contests.find((c) => c.id === 'DEP-MONTREAL-CENTRE');
    const candidate = race?.candidates?.find((c) => c.name === 'Ruba Haddad');
    if (candidate === undefined) throw new Error('the sample election has changed');
    candidate.name = 'Ruba Haddad-Lévesque';
    const changed = new Set(spokenTexts(unwrap(parseElection(json)), RANKED_STATION).map(keyOf));
    expect([...have].filter((t) => !changed.has(t)).sort()).toEqual(['en:Ruba Haddad', 'fr:Ruba Haddad']);
    expect([...changed].filter((t) => !have.has(t)).sort()).toEqual(['en:Ruba Haddad-Lévesque', 'fr:Ruba Haddad-Lévesque']);
  });
});
