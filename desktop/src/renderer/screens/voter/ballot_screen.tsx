import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isBlank } from '../../ballot/choices.ts';
import { Dialog } from '../../components/dialog.tsx';
import { useHeadingFocus, useLabel } from '../../components/hooks.ts';
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
  const heading = useHeadingFocus<HTMLHeadingElement>(`contest-${index}`);
  const contest = contests[index];
  const choice = choices[index];
  if (contest === undefined || choice === undefined) return null;
  const last = index === contests.length - 1;
  return (
    <main className="screen screen--ballot" id="main">
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
        <button type="button" className="button button--quiet" disabled={isBlank(choice)} onClick={clearContest}>
          {choice.kind === 'ranked' ? t('ballot.clearRanking') : t('ballot.clear')}
        </button>
        <button type="button" className="button button--primary" onClick={next}>
          {fromReview ? t('ballot.backToReview') : last ? t('ballot.toReview') : t('ballot.next')}
          <span aria-hidden="true" className="button__arrow">
            →
          </span>
        </button>
      </footer>
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
