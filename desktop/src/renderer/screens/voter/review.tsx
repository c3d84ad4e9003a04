import type { Contest, Party } from '@scrutin/shared';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isBlank, type Choice } from '../../ballot/choices.ts';
import { ordinal } from '../../ballot/ranking.ts';
import { Dialog } from '../../components/dialog.tsx';
import { useHeadingFocus, useLabel, useScrollCue } from '../../components/hooks.ts';
import { ScrollCue } from '../../components/scroll_cue.tsx';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore, type CastProblem } from '../../state/voter_store.ts';
import { partyOf } from './contests.tsx';

function ChoiceSummary(props: { readonly contest: Contest; readonly choice: Choice; readonly parties: readonly Party[] }) {
  const { t } = useTranslation();
  const label = useLabel();
  const language = usePrefsStore((s) => s.language);
  const { contest, choice } = props;
  if (isBlank(choice)) {
    return (
      <p className="review__blank">
        <span aria-hidden="true" className="review__blank-icon">
          !
        </span>
        {t('review.blank')}
      </p>
    );
  }
  if (contest.kind === 'referendum') {
    const option = contest.options.find((o) => choice.kind === 'referendum' && o.id === choice.choice);
    return <p className="review__answer">{option === undefined ? '' : label(option.label)}</p>;
  }
  const candidate = (id: string) => contest.candidates.find((c) => c.id === id);
  const line = (id: string) => {
    const c = candidate(id);
    if (c === undefined) return '';
    const party = partyOf(props.parties, c.party);
    return `${c.name} — ${party === undefined ? t('ballot.independent') : label(party.name)}`;
  };
  if (choice.kind === 'plurality') return <p className="review__answer">{choice.choice === null ? '' : line(choice.choice)}</p>;
  if (choice.kind !== 'ranked') return null;
  return (
    <ol className="review__ranking">
      {choice.ranking.map((id, i) => (
        <li key={id}>
          <span className="review__rank">{t('ballot.choice', { ordinal: ordinal(i + 1, language) })}</span> {line(id)}
        </li>
      ))}
    </ol>
  );
}

function castProblemText(problem: CastProblem, t: ReturnType<typeof useTranslation>['t']): string {
  switch (problem.kind) {
    case 'expired':
      return t('review.expired');
    case 'already-voted':
      return t('review.alreadyVoted');
    case 'refused':
      return t('review.refused');
    case 'unavailable':
      return t('review.unavailable');
  }
}

/** Every contest with the voter's choice; blank ones stand out and casting them asks first. */
export function Review(props: { readonly onFinish: () => void }) {
  const { t } = useTranslation();
  const label = useLabel();
  const { contests, choices, edit, cast, busy, castProblem } = useVoterStore();
  const parties = useStationStore((s) => s.status?.kit?.parties ?? []);
  const [confirmBlank, setConfirmBlank] = useState(false);
  const heading = useHeadingFocus<HTMLHeadingElement>('review');
  // Large text can push contests below the fold, as on the ballot screens: the voter is told (issue 13).
  const screen = useRef<HTMLElement>(null);
  const { more, scrollMore } = useScrollCue(screen, 'review');
  const blanks = contests.filter((_, i) => {
    const choice = choices[i];
    return choice !== undefined && isBlank(choice);
  });
  const fatal = castProblem !== null && castProblem.kind !== 'unavailable';
  return (
    <main className="screen screen--review" id="main" ref={screen}>
      <h1 ref={heading} tabIndex={-1}>
        {t('review.title')}
      </h1>
      <p className="lead">{t('review.instructions')}</p>
      <ul className="review">
        {contests.map((contest, i) => {
          const choice = choices[i];
          if (choice === undefined) return null;
          const blank = isBlank(choice);
          return (
            <li key={contest.id} className={`review__item${blank ? ' review__item--blank' : ''}`}>
              <div className="review__content">
                <h2 className="review__title">{label(contest.title)}</h2>
                {contest.kind === 'referendum' && <p className="review__question">{label(contest.question)}</p>}
                <ChoiceSummary contest={contest} choice={choice} parties={parties} />
              </div>
              <button
                type="button"
                className="button button--secondary button--small"
                aria-label={t('review.editAria', { title: label(contest.title) })}
                disabled={busy || fatal}
                onClick={() => {
                  edit(i);
                }}
              >
                {t('review.edit')}
              </button>
            </li>
          );
        })}
      </ul>
      <div aria-live="assertive">
        {castProblem !== null && (
          <div className="message message--error" role="alert">
            <span className="message__icon" aria-hidden="true">
              !
            </span>
            <p>{castProblemText(castProblem, t)}</p>
          </div>
        )}
      </div>
      <footer className="nav-bar nav-bar--end">
        <ScrollCue more={more} text={t('voterUi.moreReviewBelow')} onScroll={scrollMore} />
        {fatal ? (
          <button type="button" className="button button--primary" onClick={props.onFinish}>
            {t('review.finish')}
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary button--cast"
            disabled={busy}
            onClick={() => {
              if (blanks.length > 0) setConfirmBlank(true);
              else void cast();
            }}
          >
            {busy ? t('review.casting') : t('review.cast')}
          </button>
        )}
      </footer>
      {confirmBlank && (
        <Dialog
          title={t('review.blankTitle')}
          tone="warning"
          onEscape={() => {
            setConfirmBlank(false);
          }}
          actions={
            <>
              <button
                type="button"
                className="button button--secondary"
                onClick={() => {
                  setConfirmBlank(false);
                }}
              >
                {t('review.blankBack')}
              </button>
              <button
                type="button"
                className="button button--primary"
                onClick={() => {
                  setConfirmBlank(false);
                  void cast();
                }}
              >
                {t('review.blankCast')}
              </button>
            </>
          }
        >
          <p>{t('review.blankBody', { titles: blanks.map((c) => label(c.title)).join(', ') })}</p>
        </Dialog>
      )}
    </main>
  );
}
