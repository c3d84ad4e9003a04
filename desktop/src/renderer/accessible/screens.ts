import {
  say,
  text,
  type CandidateId,
  type CandidateRace,
  type Contest,
  type ElectionMode,
  type Language,
  type Party,
  type Referendum,
  type SpeechPart,
  type Utterance,
} from '@scrutin/shared';
import { isBlank, maxRankingsOf, type Choice } from '../ballot/choices.ts';
import { rankOf } from '../ballot/ranking.ts';
import { RATES, SCAN_INTERVALS_MS, VOLUMES, type AccessInput, type AccessibleState } from '../state/accessible_store.ts';
import type { CastProblem, CardProblem, VoterState } from '../state/voter_store.ts';

/**
 * The audio ballot, screen by screen, as data: what each screen is called, what it says when
 * the voter arrives, its items (what each says, what choosing it does) and where the arrows
 * left and right go. The session (screens/accessible/accessible_session.tsx) speaks it, shows
 * it and moves through it; every change to the ballot goes through the voter store's own
 * actions, the ones the touch screens call, so the audio ballot casts exactly the ballot the
 * touch screens would.
 */
export type Said = readonly SpeechPart[] | undefined;

export interface ScreenItem {
  /** Stable within the screen (the React key; `data-item` for tests). */
  readonly id: string;
  /** The item's own language when not the voter's (the welcome screen's "Vote in English"). */
  readonly language?: Language;
  readonly label: readonly SpeechPart[];
  readonly detail?: readonly SpeechPart[];
  /** Selected, or ranked: said after the label, shown as a badge. */
  readonly status?: readonly SpeechPart[];
  /** What choosing it does; answers what to say about it (nothing: the new screen speaks). */
  readonly activate: () => Said;
}

export interface Screen {
  /** A new key is a new screen: its introduction is said and the cursor starts again. */
  readonly key: string;
  readonly heading: readonly Utterance[];
  readonly intro: readonly Utterance[];
  readonly items: readonly ScreenItem[];
  /** The right and left arrows (next and previous question). */
  readonly nextPage?: () => Said;
  readonly previousPage?: () => Said;
  /** A menu on top of a screen: closing it goes back to that screen without its introduction. */
  readonly isMenu?: boolean;
}

export interface SessionContext {
  readonly voter: VoterState;
  readonly access: AccessibleState;
  readonly language: Language;
  /** The kit's election: a test election's audio ballot starts by saying its ballots do not count. */
  readonly mode: ElectionMode;
  readonly parties: readonly Party[];
  readonly setLanguage: (language: Language) => void;
  /** Ends the voter's session (quit, finish). */
  readonly leave: () => void;
}

const n = (value: number): SpeechPart => ({ kind: 'number', value });
const ordinal = (value: number): SpeechPart => ({ kind: 'ordinal', value });
const rankChoice = (rank: number) => text('audio.rankChoice', { rank: [ordinal(rank)] });

/** A party's name in the voter's language (an independent: the catalogue's word). */
function partyOf(ctx: SessionContext, code: string | null): SpeechPart {
  const party = code === null ? undefined : ctx.parties.find((p) => p.code === code);
  return party === undefined ? text('ballot.independent') : say(party.name[ctx.language]);
}

function utter(ctx: SessionContext, ...parts: SpeechPart[]): readonly Utterance[] {
  return [{ language: ctx.language, parts }];
}

/** Speech in the voter's language, one line of the screen per array. */
function lines(ctx: SessionContext, ...each: (readonly SpeechPart[])[]): readonly Utterance[] {
  return each.map((parts) => ({ language: ctx.language, parts }));
}

// --- Welcome -----------------------------------------------------------------------------------

function welcomeScreen(ctx: SessionContext): Screen {
  // Before the voter has chosen a language: French, then English.
  const both = (parts: SpeechPart[]): Utterance[] => [
    { language: 'fr', parts },
    { language: 'en', parts },
  ];
  // A test election says so first, before how to vote (docs/decisions/0010-test-mode.md).
  const test = ctx.mode === 'test' ? [text('audio.testElection')] : [];
  return {
    key: 'welcome',
    heading: both([text('welcome.heading')]),
    intro: both([...test, text('audio.welcome')]),
    items: (['fr', 'en'] as const).map((language) => ({
      id: language,
      language,
      label: [text('welcome.start')],
      activate: () => {
        ctx.setLanguage(language);
        ctx.voter.start();
        return undefined;
      },
    })),
  };
}

// --- Two switches ------------------------------------------------------------------------------

function switchScreen(ctx: SessionContext): Screen {
  const { access } = ctx;
  const heading = utter(ctx, text('audio.switchTitle'));
  if (access.calibration === 'move') return { key: 'switch-move', heading, intro: utter(ctx, text('audio.switchMove')), items: [] };
  if (access.calibration === 'select') return { key: 'switch-select', heading, intro: utter(ctx, text('audio.switchSelect')), items: [] };
  const speed = (level: number) => [text('audio.scanSpeed', { level: [n(level + 1)], max: [n(SCAN_INTERVALS_MS.length)] })];
  const selected = [text('ballot.selected')];
  return {
    key: 'switch-menu',
    heading,
    intro: utter(ctx, text('audio.switchReady')),
    items: [
      {
        id: 'start',
        label: [text('audio.startVoting')],
        activate: () => {
          access.setCalibration('done');
          return undefined;
        },
      },
      {
        id: 'scan-step',
        label: [text('audio.scanStep')],
        ...(access.scanMode === 'step' ? { status: selected } : {}),
        activate: () => {
          access.setScanMode('step');
          return [text('audio.scanStep'), ...selected];
        },
      },
      {
        id: 'scan-auto',
        label: [text('audio.scanAuto')],
        ...(access.scanMode === 'auto' ? { status: selected } : {}),
        activate: () => {
          access.setScanMode('auto');
          return [text('audio.scanAuto'), ...selected];
        },
      },
      { id: 'scan-slower', label: [text('audio.scanSlower')], activate: () => speed(access.stepScanSpeed(-1)) },
      { id: 'scan-faster', label: [text('audio.scanFaster')], activate: () => speed(access.stepScanSpeed(1)) },
      {
        id: 'privacy',
        label: [text(access.privacy ? 'audio.showScreen' : 'audio.hideScreen')],
        activate: () => [text(access.togglePrivacy() ? 'audio.privacyOn' : 'audio.privacyOff')],
      },
    ],
  };
}

// --- The card ----------------------------------------------------------------------------------

/** What the voter hears about a refused card (a typo: the catalogue's words, not the backend's detail). */
export function cardProblemSpeech(problem: CardProblem, language: Language): readonly SpeechPart[] {
  switch (problem.kind) {
    case 'typo':
      return [text('card.problemTitle'), text(problem.field === 'nas' ? 'card.typoNas' : 'card.typoCode')];
    case 'unknown':
      return [text('card.problemTitle'), text('card.unknown')];
    case 'already-voted':
      return [text('card.problemTitle'), text('card.alreadyVoted')];
    case 'other-station':
      return [
        text('card.problemTitle'),
        text('card.otherStation', { name: [say(problem.stationName[language])], id: [{ kind: 'spell', text: problem.station }] }),
      ];
    case 'not-open':
      return [text('card.problemTitle'), text('card.notOpen')];
    case 'unavailable':
      return [text('card.problemTitle'), text('card.unavailable')];
  }
}

function cardScreen(ctx: SessionContext): Screen {
  const { voter } = ctx;
  return {
    key: 'card',
    heading: utter(ctx, text('card.title')),
    intro: lines(ctx, [text('audio.card')], [text('audio.cardHelp')]),
    items: [
      {
        id: 'continue',
        label: [text('card.continue')],
        activate: () => {
          if (voter.nas.length < 9 || voter.code.length < 13) return [text('audio.incomplete')];
          void voter.submitCard();
          return [text('card.checking')];
        },
      },
      {
        id: 'cancel',
        label: [text('card.cancel')],
        activate: () => {
          ctx.leave();
          return undefined;
        },
      },
    ],
  };
}

// --- A contest ---------------------------------------------------------------------------------

/** The voter's choice in a contest, as said on the ballot and on the review: a line each (a line per rank). */
export function choiceLines(ctx: SessionContext, contest: Contest, choice: Choice): readonly (readonly SpeechPart[])[] {
  if (isBlank(choice)) return [[text(choice.kind === 'ranked' ? 'ballot.rankingEmpty' : 'audio.noChoice')]];
  switch (choice.kind) {
    case 'referendum': {
      const option = contest.kind === 'referendum' ? contest.options.find((o) => o.id === choice.choice) : undefined;
      return [[text('audio.yourChoice', { choice: option === undefined ? [] : [say(option.label[ctx.language])] })]];
    }
    case 'plurality': {
      const candidate = contest.kind === 'candidate' ? contest.candidates.find((c) => c.id === choice.choice) : undefined;
      return [
        [
          text('audio.yourChoice', { choice: candidate === undefined ? [] : [say(candidate.name)] }),
          ...(candidate === undefined ? [] : [partyOf(ctx, candidate.party)]),
        ],
      ];
    }
    case 'ranked':
      return [
        [text('audio.yourRanking')],
        ...choice.ranking.flatMap((id, i) => {
          const candidate = contest.kind === 'candidate' ? contest.candidates.find((c) => c.id === id) : undefined;
          return candidate === undefined ? [] : [[rankChoice(i + 1), say(candidate.name)]];
        }),
      ];
  }
}

function referendumItems(ctx: SessionContext, contest: Referendum, choice: Choice): ScreenItem[] {
  const chosen = choice.kind === 'referendum' ? choice.choice : null;
  return contest.options.map((option) => {
    const label = say(option.label[ctx.language]);
    return {
      id: option.id,
      label: [label],
      ...(chosen === option.id ? { status: [text('ballot.selected')] } : {}),
      activate: () => {
        ctx.voter.chooseReferendum(option.id);
        return [text(chosen === option.id ? 'audio.unchose' : 'audio.chose', { choice: [label] })];
      },
    };
  });
}

function pluralityItems(ctx: SessionContext, contest: CandidateRace, choice: Choice): ScreenItem[] {
  const chosen = choice.kind === 'plurality' ? choice.choice : null;
  return contest.candidates.map((candidate) => ({
    id: candidate.id,
    label: [say(candidate.name)],
    detail: [partyOf(ctx, candidate.party)],
    ...(chosen === candidate.id ? { status: [text('ballot.selected')] } : {}),
    activate: () => {
      ctx.voter.choosePlurality(candidate.id);
      return [text(chosen === candidate.id ? 'audio.unchose' : 'audio.chose', { choice: [say(candidate.name)] })];
    },
  }));
}

function rankedItems(ctx: SessionContext, contest: CandidateRace, choice: Choice, cursorOf: (id: string) => number): ScreenItem[] {
  const ranking = choice.kind === 'ranked' ? choice.ranking : [];
  const full = ranking.length >= maxRankingsOf(contest);
  return contest.candidates.map((candidate) => {
    const rank = rankOf(ranking, candidate.id);
    return {
      id: candidate.id,
      label: [say(candidate.name)],
      detail: [partyOf(ctx, candidate.party)],
      ...(rank === null ? {} : { status: [rankChoice(rank)] }),
      activate: () => {
        if (rank !== null) {
          ctx.access.openMenu({ kind: 'rank', candidate: candidate.id, returnTo: cursorOf(candidate.id) });
          return undefined;
        }
        if (full) return [text('audio.rankFull')];
        ctx.voter.toggleRanked(candidate.id);
        return [text('audio.ranked', { name: [say(candidate.name)], rank: [ordinal(ranking.length + 1)] })];
      },
    };
  });
}

function contestScreen(ctx: SessionContext, contest: Contest, choice: Choice): Screen {
  const { voter } = ctx;
  const { index, contests, fromReview } = voter;
  const last = index === contests.length - 1;
  let options: ScreenItem[];
  let help: SpeechPart[][];
  if (contest.kind === 'referendum') {
    options = referendumItems(ctx, contest, choice);
    help = [[say(contest.question[ctx.language])], [text('audio.referendumHelp')]];
  } else if (contest.method === 'irv') {
    const max = maxRankingsOf(contest);
    options = rankedItems(ctx, contest, choice, (id) => contest.candidates.findIndex((c) => c.id === id));
    help = [
      [
        text('audio.rankedHelp'),
        max < contest.candidates.length ? text('ballot.rankedMax', { max: [n(max)] }) : text('ballot.rankedAsMany'),
      ],
    ];
  } else {
    options = pluralityItems(ctx, contest, choice);
    help = [[text('audio.pluralityHelp')]];
  }
  const next = () => {
    voter.next();
    return undefined;
  };
  const previous =
    !fromReview && index > 0
      ? () => {
          voter.previous();
          return undefined;
        }
      : undefined;
  const actions: ScreenItem[] = [
    {
      id: 'next',
      label: [text(fromReview ? 'ballot.backToReview' : last ? 'ballot.toReview' : 'ballot.next')],
      activate: next,
    },
  ];
  if (previous !== undefined) actions.push({ id: 'previous', label: [text('ballot.previous')], activate: previous });
  if (!isBlank(choice)) {
    actions.push({
      id: 'clear',
      label: [text(choice.kind === 'ranked' ? 'ballot.clearRanking' : 'ballot.clear')],
      activate: () => {
        voter.clearContest();
        return [text('audio.cleared')];
      },
    });
  }
  if (!fromReview && index === 0) {
    actions.push({
      id: 'quit',
      label: [text('ballot.cancel')],
      activate: () => {
        ctx.access.openMenu({ kind: 'quit', returnTo: options.length + actions.findIndex((a) => a.id === 'quit') });
        return undefined;
      },
    });
  }
  return {
    key: `contest-${index}-${String(fromReview)}`,
    heading: utter(ctx, say(contest.title[ctx.language])),
    intro: lines(
      ctx,
      [text('ballot.step', { current: [n(index + 1)], total: [n(contests.length)] })],
      ...help,
      ...choiceLines(ctx, contest, choice),
    ),
    items: [...options, ...actions],
    nextPage: next,
    ...(previous === undefined ? {} : { previousPage: previous }),
  };
}

function rankMenu(ctx: SessionContext, contest: CandidateRace, choice: Choice, candidateId: CandidateId): Screen {
  const { voter, access } = ctx;
  const ranking = choice.kind === 'ranked' ? choice.ranking : [];
  const candidate = contest.candidates.find((c) => c.id === candidateId);
  const rank = rankOf(ranking, candidateId);
  const name = say(candidate?.name ?? '');
  const items: ScreenItem[] = [];
  const move = (direction: -1 | 1) => () => {
    voter.moveRanked(candidateId, direction);
    access.closeMenu();
    return [text('audio.movedTo', { name: [name], rank: [ordinal((rank ?? 1) + direction)] })];
  };
  if (rank !== null && rank > 1) items.push({ id: 'up', label: [text('audio.moveUp')], activate: move(-1) });
  if (rank !== null && rank < ranking.length) items.push({ id: 'down', label: [text('audio.moveDown')], activate: move(1) });
  items.push(
    {
      id: 'remove',
      label: [text('audio.remove')],
      activate: () => {
        voter.toggleRanked(candidateId);
        access.closeMenu();
        return [text('audio.unranked', { name: [name] })];
      },
    },
    {
      id: 'keep',
      label: [text('audio.keep')],
      activate: () => {
        access.closeMenu();
        return rank === null ? undefined : [name, rankChoice(rank)];
      },
    },
  );
  return {
    key: `rank-${candidateId}-${String(rank)}`,
    heading: utter(ctx, text('audio.rankMenu', { name: [name], rank: [ordinal(rank ?? 1)] })),
    intro: [],
    items,
    isMenu: true,
  };
}

function quitMenu(ctx: SessionContext): Screen {
  return {
    key: 'quit',
    heading: utter(ctx, text('ballot.cancelTitle')),
    intro: utter(ctx, text('ballot.cancelBody')),
    items: [
      {
        id: 'keep',
        label: [text('ballot.cancelKeep')],
        activate: () => {
          ctx.access.closeMenu();
          return [text('ballot.cancelKeep')];
        },
      },
      {
        id: 'quit',
        label: [text('ballot.cancelConfirm')],
        activate: () => {
          ctx.leave();
          return undefined;
        },
      },
    ],
    isMenu: true,
  };
}

// --- Review and receipt ------------------------------------------------------------------------

function castProblemKey(problem: CastProblem) {
  switch (problem.kind) {
    case 'expired':
      return 'review.expired' as const;
    case 'already-voted':
      return 'review.alreadyVoted' as const;
    case 'refused':
      return 'review.refused' as const;
    case 'unavailable':
      return 'review.unavailable' as const;
  }
}

export function castProblemSpeech(problem: CastProblem): readonly SpeechPart[] {
  return [text(castProblemKey(problem))];
}

function blanksOf(voter: VoterState): readonly Contest[] {
  return voter.contests.filter((_, i) => {
    const choice = voter.choices[i];
    return choice !== undefined && isBlank(choice);
  });
}

function reviewScreen(ctx: SessionContext): Screen {
  const { voter, access } = ctx;
  const fatal = voter.castProblem !== null && voter.castProblem.kind !== 'unavailable';
  const contests: ScreenItem[] = voter.contests.flatMap((contest, i) => {
    const choice = voter.choices[i];
    if (choice === undefined) return [];
    return [
      {
        id: contest.id,
        label: [say(contest.title[ctx.language])],
        detail: isBlank(choice) ? [text('review.blank')] : choiceLines(ctx, contest, choice).flat(),
        activate: () => {
          if (voter.busy || fatal) return undefined;
          voter.edit(i);
          return undefined;
        },
      },
    ];
  });
  const cast: ScreenItem = fatal
    ? {
        id: 'finish',
        label: [text('review.finish')],
        activate: () => {
          ctx.leave();
          return undefined;
        },
      }
    : {
        id: 'cast',
        label: [text(voter.busy ? 'review.casting' : 'review.cast')],
        activate: () => {
          if (voter.busy) return [text('review.casting')];
          if (blanksOf(voter).length > 0) {
            access.openMenu({ kind: 'blank', returnTo: contests.length });
            return undefined;
          }
          void voter.cast();
          return [text('review.casting')];
        },
      };
  return {
    key: 'review',
    heading: utter(ctx, text('review.title')),
    intro: utter(ctx, text('audio.reviewHelp')),
    items: [...contests, cast],
  };
}

function blankMenu(ctx: SessionContext): Screen {
  const { voter, access } = ctx;
  const titles = blanksOf(voter).map((c) => say(c.title[ctx.language]));
  return {
    key: 'blank',
    heading: utter(ctx, text('review.blankTitle')),
    intro: utter(ctx, text('review.blankBody', { titles })),
    items: [
      {
        id: 'back',
        label: [text('review.blankBack')],
        activate: () => {
          access.closeMenu();
          return [text('review.blankBack')];
        },
      },
      {
        id: 'cast',
        label: [text('review.blankCast')],
        activate: () => {
          access.closeMenu();
          void voter.cast();
          return [text('review.casting')];
        },
      },
    ],
    isMenu: true,
  };
}

function receiptScreen(ctx: SessionContext): Screen {
  const code = ctx.voter.receipt ?? '';
  return {
    key: 'receipt',
    heading: utter(ctx, text('receipt.title')),
    intro: lines(
      ctx,
      [text('receipt.thanks')],
      [text('receipt.codeLabel'), { kind: 'spell', text: code }],
      [text('audio.receiptCheck')],
      [text('audio.receiptHelp')],
    ),
    items: [
      {
        id: 'done',
        label: [text('receipt.done')],
        activate: () => {
          ctx.leave();
          return undefined;
        },
      },
    ],
  };
}

/** The screen of the session now. */
export function screenOf(ctx: SessionContext): Screen {
  const { voter, access } = ctx;
  if (access.input === 'switch' && access.calibration !== 'done' && voter.phase !== 'card') return switchScreen(ctx);
  switch (voter.phase) {
    case 'welcome':
      return welcomeScreen(ctx);
    case 'card':
      return cardScreen(ctx);
    case 'ballot': {
      const contest = voter.contests[voter.index];
      const choice = voter.choices[voter.index];
      if (contest === undefined || choice === undefined) return reviewScreen(ctx);
      const menu = access.menu;
      if (menu?.kind === 'rank' && contest.kind === 'candidate') return rankMenu(ctx, contest, choice, menu.candidate);
      if (menu?.kind === 'quit') return quitMenu(ctx);
      return contestScreen(ctx, contest, choice);
    }
    case 'review':
      return access.menu?.kind === 'blank' ? blankMenu(ctx) : reviewScreen(ctx);
    case 'receipt':
      return receiptScreen(ctx);
  }
}

/** What a screen says when the voter arrives: its title then its introduction, language by language (the welcome is in both). */
export function arrivalSpeech(screen: Screen): readonly Utterance[] {
  const languages: Language[] = [];
  for (const u of [...screen.heading, ...screen.intro]) if (!languages.includes(u.language)) languages.push(u.language);
  return languages.map((language) => ({
    language,
    parts: [...screen.heading, ...screen.intro].filter((u) => u.language === language).flatMap((u) => u.parts),
  }));
}

// --- What the keys say -------------------------------------------------------------------------

/** The keys, on the help key (the arrows left and right only where there are questions to go through). */
export function keysHelp(input: AccessInput, pages: boolean): readonly SpeechPart[] {
  if (input === 'switch') return [text('audio.switchKeys')];
  return [text('audio.keysChoices'), ...(pages ? [text('audio.keysQuestions')] : []), text('audio.keysSound'), text('audio.keysOther')];
}

export function volumeSpeech(level: number): readonly SpeechPart[] {
  return [text('audio.volume', { level: [n(level + 1)], max: [n(VOLUMES.length)] })];
}

export function rateSpeech(level: number): readonly SpeechPart[] {
  return [text('audio.rate', { level: [n(level + 1)], max: [n(RATES.length)] })];
}

/** The idle warning, said (the session is erased `seconds` later). */
export function idleSpeech(seconds: number): readonly SpeechPart[] {
  return [text('idle.title'), text('idle.body', { seconds: [n(seconds)] }), text('idle.continue')];
}

/** Characters typed on the card, read back; then, once the NAS is complete, that the code comes next. */
export function typedSpeech(typed: string, nasComplete: boolean): readonly SpeechPart[] {
  return [{ kind: 'spell', text: typed }, ...(nasComplete ? [text('audio.codeNext')] : [])];
}
