import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isBlank } from '../../ballot/choices.ts';
import { Dialog } from '../../components/dialog.tsx';
import { useHeadingFocus, useLabel, useScrollCue } from '../../components/hooks.ts';
import { ScrollCue } from '../../components/scroll_cue.tsx';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';
import { ContestBody } from './contests.tsx';

/** One contest of the ballot per screen, with the way forward and back at the bottom. */
export function BallotScreen(props: { readonly onQuit: () => void }) {
  const { t } = useTranslation();
  const label = useLabel();
  const { contests, choices, index, fromReview, next, previous, clearContest } = useVoterStore();
  const parties = useStationStore((s) => s.status?.kit?.parties ?? []);
  const [quitting, setQuitting] = useState(false);
  const [clearing, setClearing] = useState(false);
  const heading = useHeadingFocus<HTMLHeadingElement>(`contest-${index}`);
  // Large text can push options below the fold: the voter is told, and goes on only once every option has been on screen.
  const screen = useRef<HTMLElement>(null);
  const { more, seenAll, scrollMore } = useScrollCue(screen, index);
  const [nudged, setNudged] = useState<number | null>(null);
  const contest = contests[index];
  const choice = choices[index];
  if (contest === undefined || choice === undefined) return null;
  const last = index === contests.length - 1;
  const goOn = () => {
    if (seenAll) {
      setNudged(null);
      next();
    } else {
      setNudged(index);
      scrollMore();
    }
  };
  return (
    <main className="screen screen--ballot" id="main" ref={screen}>
      <div className="contest-header">
        <p className="step" aria-hidden="true">
          {contests.map((c, i) => (
            <span key={c.id} className={`step__dot${i === index ? ' step__dot--current' : i < index ? ' step__dot--done' : ''}`} />
          ))}
        </p>
        <p className="step__text">{t('ballot.step', { current: String(index + 1), total: String(contests.length) })}</p>
        <h1 ref={heading} tabIndex={-1} className="contest-title">
          {label(contest.title)}
        </h1>
      </div>
      <div className="contest-body">
        <ContestBody contest={contest} choice={choice} parties={parties} />
      </div>
      <footer className="nav-bar">
        <ScrollCue more={more} text={nudged === index ? t('voterUi.seeAllFirst') : t('voterUi.moreBelow')} onScroll={scrollMore} />
        {fromReview ? (
          <span />
        ) : index === 0 ? (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              setQuitting(true);
            }}
          >
            {t('ballot.cancel')}
          </button>
        ) : (
          <button type="button" className="button button--secondary" onClick={previous}>
            <span aria-hidden="true" className="button__arrow button__arrow--back">
              ←
            </span>
            {t('ballot.previous')}
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          disabled={isBlank(choice)}
          onClick={() => {
            // Clearing a whole ranking asks first; a single choice is one touch to make again.
            if (choice.kind === 'ranked') setClearing(true);
            else clearContest();
          }}
        >
          {choice.kind === 'ranked' ? t('ballot.clearRanking') : t('ballot.clear')}
        </button>
        <button type="button" className="button button--primary" onClick={goOn}>
          {fromReview ? t('ballot.backToReview') : last ? t('ballot.toReview') : t('ballot.next')}
          <span aria-hidden="true" className="button__arrow">
            →
          </span>
        </button>
      </footer>
      {clearing && choice.kind === 'ranked' && (
        <Dialog
          title={t('voterUi.clearRankingTitle')}
          tone="warning"
          onEscape={() => {
            setClearing(false);
          }}
          actions={
            <>
              <button
                type="button"
                className="button button--primary"
                onClick={() => {
                  setClearing(false);
                }}
              >
                {t('voterUi.clearRankingKeep')}
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={() => {
                  setClearing(false);
                  clearContest();
                }}
              >
                {t('voterUi.clearRankingConfirm')}
              </button>
            </>
          }
        >
          <p>{t('voterUi.clearRankingBody', { count: choice.ranking.length })}</p>
        </Dialog>
      )}
      {quitting && (
        <Dialog
          title={t('ballot.cancelTitle')}
          tone="warning"
          onEscape={() => {
            setQuitting(false);
          }}
          actions={
            <>
              <button
                type="button"
                className="button button--primary"
                onClick={() => {
                  setQuitting(false);
                }}
              >
                {t('ballot.cancelKeep')}
              </button>
              <button type="button" className="button button--danger" onClick={props.onQuit}>
                {t('ballot.cancelConfirm')}
              </button>
            </>
          }
        >
          <p>{t('ballot.cancelBody')}</p>
        </Dialog>
      )}
    </main>
  );
}
