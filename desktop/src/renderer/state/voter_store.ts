import type { CandidateId, Contest, ReferendumOptionId, RidingCode, StationId } from '@scrutin/shared';
import { create } from 'zustand';
import type { Bilingual, StationError } from '../../api/station_api.ts';
import { ballotOf, blankChoice, maxRankingsOf, type Choice } from '../ballot/choices.ts';
import { moveRank, toggleRank } from '../ballot/ranking.ts';
import { stationApi } from '../backend/api.ts';
import { useStationStore } from './station_store.ts';

/**
 * One voter's visit, from the welcome screen to the receipt. Everything here is in memory
 * and `reset()` puts every field back to its initial value: the next voter finds nothing
 * of the previous one (no card, no choice, no receipt, no history to go back to).
 */
export type VoterPhase = 'welcome' | 'card' | 'ballot' | 'review' | 'receipt';
export type CardField = 'nas' | 'code';

/** Why a card was not accepted, in the voter's terms. */
export type CardProblem =
  | { readonly kind: 'typo'; readonly field: CardField; readonly detail: StationError['message'] | null }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'already-voted' }
  | { readonly kind: 'other-station'; readonly station: StationId; readonly stationName: Bilingual }
  | { readonly kind: 'not-open' }
  | { readonly kind: 'unavailable' };

/** Why a ballot was not cast. */
export type CastProblem =
  | { readonly kind: 'expired' }
  | { readonly kind: 'already-voted' }
  | { readonly kind: 'refused'; readonly detail: StationError['message'] }
  | { readonly kind: 'unavailable' };

export const NAS_DIGITS = 9;
export const CODE_CHARS = 13;
/** Crockford's base32 alphabet: the keys of the code keypad. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

interface VoterData {
  readonly phase: VoterPhase;
  readonly nas: string;
  readonly code: string;
  readonly field: CardField;
  readonly cardProblem: CardProblem | null;
  readonly busy: boolean;
  readonly ticket: string | null;
  readonly riding: RidingCode | null;
  readonly contests: readonly Contest[];
  readonly choices: readonly Choice[];
  readonly index: number;
  /** The voter came to this contest from the review screen: "next" goes back there. */
  readonly fromReview: boolean;
  readonly castProblem: CastProblem | null;
  /**
   * A cast got no answer (the backend crashed or the link dropped): whether the ballot was
   * stored is unknown until the backend is asked (`castOutcome`), on reconnect or before
   * casting again. The ticket stays until then.
   */
  readonly castInterrupted: boolean;
  readonly receipt: string | null;
}

export interface VoterState extends VoterData {
  start: () => void;
  setField: (field: CardField) => void;
  /** Typed or pasted text for a field (physical keyboard): kept to the field's characters and length. */
  setValue: (field: CardField, text: string) => void;
  pressKey: (key: string) => void;
  backspace: () => void;
  clearField: () => void;
  submitCard: () => Promise<void>;
  chooseReferendum: (option: ReferendumOptionId) => void;
  choosePlurality: (candidate: CandidateId) => void;
  toggleRanked: (candidate: CandidateId) => void;
  moveRanked: (candidate: CandidateId, direction: -1 | 1) => void;
  clearContest: () => void;
  next: () => void;
  previous: () => void;
  edit: (index: number) => void;
  cast: () => Promise<void>;
  /** After an interrupted cast: asks the backend what became of it and shows the truth (the receipt, or a clean retry). */
  recoverCast: () => Promise<void>;
  reset: () => void;
}

const INITIAL: VoterData = {
  phase: 'welcome',
  nas: '',
  code: '',
  field: 'nas',
  cardProblem: null,
  busy: false,
  ticket: null,
  riding: null,
  contests: [],
  choices: [],
  index: 0,
  fromReview: false,
  castProblem: null,
  castInterrupted: false,
  receipt: null,
};

/** Keeps the characters a field accepts (upper-cased; O → 0, I and L → 1 as the backend reads them). */
export function cleanField(field: CardField, text: string): string {
  if (field === 'nas') return text.replace(/[^0-9]/g, '').slice(0, NAS_DIGITS);
  const upper = text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return Array.from(upper)
    .filter((c) => CODE_ALPHABET.includes(c))
    .join('')
    .slice(0, CODE_CHARS);
}

function cardProblemOf(error: StationError): CardProblem {
  switch (error.kind) {
    case 'nas-invalid':
      return { kind: 'typo', field: 'nas', detail: error.problem.kind === 'check-failed' ? null : error.message };
    case 'code-invalid':
      return { kind: 'typo', field: 'code', detail: error.problem.kind === 'check-failed' ? null : error.message };
    case 'unknown-credential':
      return { kind: 'unknown' };
    case 'already-voted':
      return { kind: 'already-voted' };
    case 'other-station':
      return { kind: 'other-station', station: error.station, stationName: error.stationName };
    case 'polls-not-open':
    case 'outside-voting-window':
    case 'voting-window-over':
    case 'polls-not-closed':
    case 'invalid-transition':
      return { kind: 'not-open' };
    // Nothing a voter can act on: the station itself is not ready. They call a poll worker.
    case 'no-kit':
    case 'kit-unreadable':
    case 'kit-invalid':
    case 'kit-shard-tampered':
    case 'kit-shard-mismatch':
    case 'kit-audio-tampered':
    case 'kit-audio-invalid':
    case 'kit-other-election':
    case 'kit-other-station':
    case 'kit-locked':
    case 'kit-unsafe':
    case 'setup-over':
    case 'clock-locked':
    case 'clock-invalid':
    case 'clock-problem':
    case 'not-enrolled':
    case 'enrolment-refused':
    case 'central-unreachable':
    case 'central-key-mismatch':
    case 'pin-wrong':
    case 'pin-locked':
    case 'export-failed':
    case 'nothing-to-export':
    case 'kit-without-export-key':
    case 'drive-problem':
    case 'printer-problem':
    case 'test-after-opening':
    case 'export-refused':
    case 'unknown-ticket':
    case 'ballot-malformed':
    case 'ballot-invalid':
      return { kind: 'unavailable' };
  }
}

function castProblemOf(error: StationError): CastProblem {
  switch (error.kind) {
    case 'unknown-ticket':
      return { kind: 'expired' };
    case 'already-voted':
      return { kind: 'already-voted' };
    // The ballot or the station refused it: the voter calls a poll worker, who reads the details.
    case 'ballot-malformed':
    case 'ballot-invalid':
    case 'polls-not-open':
    case 'outside-voting-window':
    case 'voting-window-over':
    case 'polls-not-closed':
    case 'invalid-transition':
    case 'no-kit':
    case 'kit-unreadable':
    case 'kit-invalid':
    case 'kit-shard-tampered':
    case 'kit-shard-mismatch':
    case 'kit-audio-tampered':
    case 'kit-audio-invalid':
    case 'kit-other-election':
    case 'kit-other-station':
    case 'kit-locked':
    case 'kit-unsafe':
    case 'setup-over':
    case 'clock-locked':
    case 'clock-invalid':
    case 'clock-problem':
    case 'not-enrolled':
    case 'enrolment-refused':
    case 'central-unreachable':
    case 'central-key-mismatch':
    case 'pin-wrong':
    case 'pin-locked':
    case 'export-failed':
    case 'nothing-to-export':
    case 'kit-without-export-key':
    case 'drive-problem':
    case 'printer-problem':
    case 'test-after-opening':
    case 'export-refused':
    case 'nas-invalid':
    case 'code-invalid':
    case 'unknown-credential':
    case 'other-station':
      return { kind: 'refused', detail: error.message };
  }
}

export const useVoterStore = create<VoterState>()((set, get) => {
  /**
   * Asks the backend what became of the cast made with `ticket` and shows it: the receipt if
   * the ballot was stored; the card to check in again if the ticket died with the backend.
   * Answers 'cast-again' when the same ticket may cast (nothing was stored). A lost link
   * throws, and the cast stays interrupted.
   */
  const settleInterruptedCast = async (ticket: string): Promise<'shown' | 'cast-again'> => {
    const outcome = await stationApi().castOutcome({ ticket });
    if (!outcome.ok) {
      set({ busy: false, castInterrupted: false, castProblem: castProblemOf(outcome.error) });
      return 'shown';
    }
    const answer = outcome.value;
    switch (answer.outcome) {
      case 'stored':
        set({ ...INITIAL, phase: 'receipt', receipt: answer.receipt });
        return 'shown';
      case 'not-stored':
        if (answer.retry === 'cast-again') {
          set({ castInterrupted: false });
          return 'cast-again';
        }
        // Nothing was stored and the card is unused: the voter checks in again.
        set({ busy: false, castInterrupted: false, castProblem: { kind: 'expired' } });
        return 'shown';
    }
  };
  const updateChoice = (update: (choice: Choice, contest: Contest) => Choice) => {
    const { contests, choices, index } = get();
    const contest = contests[index];
    const choice = choices[index];
    if (contest === undefined || choice === undefined) return;
    set({ choices: choices.map((c, i) => (i === index ? update(choice, contest) : c)) });
  };
  const fieldLength = (field: CardField) => (field === 'nas' ? NAS_DIGITS : CODE_CHARS);

  return {
    ...INITIAL,
    start() {
      set({ ...INITIAL, phase: 'card' });
    },
    setField(field) {
      set({ field });
    },
    setValue(field, text) {
      if (field === 'code') {
        set({ code: cleanField('code', text), cardProblem: null });
        return;
      }
      const nas = cleanField('nas', text);
      // The NAS is complete: the code comes next.
      set(nas.length === NAS_DIGITS && nas !== get().nas ? { nas, field: 'code', cardProblem: null } : { nas, cardProblem: null });
    },
    pressKey(key) {
      const { field, nas, code } = get();
      const value = field === 'nas' ? nas : code;
      if (value.length >= fieldLength(field)) return;
      get().setValue(field, value + key);
    },
    backspace() {
      const { field, nas, code } = get();
      if (field === 'code' && code.length === 0) {
        set({ field: 'nas', nas: nas.slice(0, -1), cardProblem: null });
        return;
      }
      get().setValue(field, (field === 'nas' ? nas : code).slice(0, -1));
    },
    clearField() {
      get().setValue(get().field, '');
    },
    async submitCard() {
      const { nas, code, busy } = get();
      if (busy) return;
      set({ busy: true, cardProblem: null });
      try {
        const answer = await stationApi().checkIn({ nas, code });
        if (get().phase !== 'card') return;
        if (!answer.ok) {
          const problem = cardProblemOf(answer.error);
          set({ busy: false, cardProblem: problem, field: problem.kind === 'typo' ? problem.field : get().field });
          return;
        }
        const { ticket, riding, contests } = answer.value;
        // The card is checked in: its NAS and code leave the screen's memory at once.
        set({ ...INITIAL, phase: 'ballot', ticket, riding, contests, choices: contests.map(blankChoice) });
      } catch {
        set({ busy: false, cardProblem: { kind: 'unavailable' } });
      }
    },
    chooseReferendum(option) {
      updateChoice((c) => (c.kind === 'referendum' ? { kind: 'referendum', choice: c.choice === option ? null : option } : c));
    },
    choosePlurality(candidate) {
      updateChoice((c) => (c.kind === 'plurality' ? { kind: 'plurality', choice: c.choice === candidate ? null : candidate } : c));
    },
    toggleRanked(candidate) {
      updateChoice((c, contest) =>
        c.kind === 'ranked' ? { kind: 'ranked', ranking: toggleRank(c.ranking, candidate, maxRankingsOf(contest)) } : c,
      );
    },
    moveRanked(candidate, direction) {
      updateChoice((c) => (c.kind === 'ranked' ? { kind: 'ranked', ranking: moveRank(c.ranking, candidate, direction) } : c));
    },
    clearContest() {
      updateChoice((_, contest) => blankChoice(contest));
    },
    next() {
      const { index, contests, fromReview } = get();
      if (fromReview || index >= contests.length - 1) set({ phase: 'review', fromReview: false });
      else set({ index: index + 1 });
    },
    previous() {
      const { index } = get();
      if (index > 0) set({ index: index - 1, fromReview: false });
    },
    edit(index) {
      set({ phase: 'ballot', index, fromReview: true, castProblem: null });
    },
    async cast() {
      const { ticket, riding, contests, choices, busy } = get();
      const kit = useStationStore.getState().status?.kit;
      if (busy || ticket === null || riding === null || kit === undefined || kit === null) return;
      set({ busy: true, castProblem: null });
      try {
        // Never cast twice blindly: an interrupted cast is settled first.
        if (get().castInterrupted && (await settleInterruptedCast(ticket)) !== 'cast-again') return;
        const answer = await stationApi().cast({ ticket, ballot: ballotOf(kit.election, riding, contests, choices) });
        if (answer.ok) {
          // Cast: the choices and the ticket are dropped; only the receipt code stays, until the voter leaves.
          set({ ...INITIAL, phase: 'receipt', receipt: answer.value.receipt });
          return;
        }
        set({ busy: false, castProblem: castProblemOf(answer.error) });
      } catch {
        set({ busy: false, castInterrupted: true, castProblem: { kind: 'unavailable' } });
      }
    },
    async recoverCast() {
      const { ticket, busy, castInterrupted, phase } = get();
      if (busy || !castInterrupted || ticket === null || phase !== 'review') return;
      set({ busy: true });
      try {
        // Not stored but the ticket still holds: the voter casts again, with nothing in the way.
        if ((await settleInterruptedCast(ticket)) === 'cast-again') set({ busy: false, castProblem: null });
      } catch {
        set({ busy: false });
      }
    },
    reset() {
      set({ ...INITIAL });
    },
  };
});

// Back in touch with the backend: an interrupted cast learns what became of it.
useStationStore.subscribe((state, previous) => {
  if (state.connected && !previous.connected) void useVoterStore.getState().recoverCast();
});
