// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ballotStyle, RidingCodeSchema, sampleElection, type CandidateRace } from '@scrutin/shared';
import { act } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blankChoice } from '../../ballot/choices.ts';
import { createI18n } from '../../i18n/i18n.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';
import { ContestBody } from './contests.tsx';

/** The ranked race on screen: taps give ranks, the ranking panel reorders, both languages say the rank. */
const election = sampleElection();
const riding = RidingCodeSchema.parse('MONTREAL-CENTRE');
const contests = ballotStyle(election, riding);
function raceOf(): CandidateRace {
  const found = contests.find((c): c is CandidateRace => c.kind === 'candidate');
  if (found === undefined) throw new Error('no race in Montréal-Centre');
  return found;
}
const race = raceOf();
const raceIndex = contests.indexOf(race);

function Ranked() {
  const choice = useVoterStore((s) => s.choices[raceIndex]);
  const language = usePrefsStore((s) => s.language);
  const i18n = createI18n(language);
  return (
    <I18nextProvider i18n={i18n}>
      {choice === undefined ? null : <ContestBody contest={race} choice={choice} parties={election.parties} />}
    </I18nextProvider>
  );
}

beforeEach(() => {
  usePrefsStore.getState().reset();
  useVoterStore.setState({ phase: 'ballot', riding, contests, choices: contests.map(blankChoice), index: raceIndex });
});

afterEach(() => {
  cleanup();
  useVoterStore.getState().reset();
});

describe('the ranked race', () => {
  it('ranks in the order of the taps and says so in French, then in English', () => {
    render(<Ranked />);
    fireEvent.click(screen.getByRole('button', { name: 'Ruba Haddad' }));
    fireEvent.click(screen.getByRole('button', { name: 'David Nguyen' }));
    expect(screen.getByRole('button', { name: 'Ruba Haddad, 1er choix' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('button', { name: 'David Nguyen, 2e choix' })).toBeTruthy();
    act(() => {
      usePrefsStore.getState().setLanguage('en');
    });
    expect(screen.getByRole('button', { name: 'Ruba Haddad, 1st choice' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'David Nguyen, 2nd choice' })).toBeTruthy();
  });

  it('reorders and removes from the ranking panel', () => {
    render(<Ranked />);
    for (const name of ['Ruba Haddad', 'David Nguyen', 'Olivier Kaplan']) fireEvent.click(screen.getByRole('button', { name }));
    fireEvent.click(screen.getByRole('button', { name: 'Monter Olivier Kaplan d’un rang' }));
    fireEvent.click(screen.getByRole('button', { name: 'Retirer Ruba Haddad du classement' }));
    expect(useVoterStore.getState().choices[raceIndex]).toEqual({
      kind: 'ranked',
      ranking: ['MONTREAL-CENTRE-IND-6', 'MONTREAL-CENTRE-PLQ-2'],
    });
    expect(screen.getByRole('button', { name: 'Olivier Kaplan, 1er choix' })).toBeTruthy();
    // The first cannot go up, the last cannot go down.
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Monter Olivier Kaplan d’un rang' }).disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Descendre David Nguyen d’un rang' }).disabled).toBe(true);
  });
});
