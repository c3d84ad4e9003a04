import type { CandidateId, CandidateRace, Contest, Party, Referendum } from '@scrutin/shared';
import { useTranslation } from 'react-i18next';
import type { Choice } from '../../ballot/choices.ts';
import { maxRankingsOf } from '../../ballot/choices.ts';
import { ordinal, rankOf } from '../../ballot/ranking.ts';
import { onRadioGroupKey, rovingTabIndex, useLabel } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';

/** The three kinds of contest on a ballot: a referendum question, a single-choice race, a ranked race. */

export function partyOf(parties: readonly Party[], code: string | null): Party | undefined {
  return code === null ? undefined : parties.find((p) => p.code === code);
}

function PartyLine(props: { readonly party: Party | undefined }) {
  const { t } = useTranslation();
  const label = useLabel();
  return <span className="candidate__party">{props.party === undefined ? t('ballot.independent') : label(props.party.name)}</span>;
}

function Swatch(props: { readonly party: Party | undefined }) {
  return <span className="candidate__swatch" aria-hidden="true" style={{ backgroundColor: props.party?.colour ?? '#6B7280' }} />;
}

export function ReferendumContest(props: { readonly contest: Referendum; readonly choice: Choice }) {
  const { t } = useTranslation();
  const label = useLabel();
  const chooseReferendum = useVoterStore((s) => s.chooseReferendum);
  const chosen = props.choice.kind === 'referendum' ? props.choice.choice : null;
  const { options } = props.contest;
  const checkedIndex = options.findIndex((o) => o.id === chosen);
  return (
    <>
      <p className="question">{label(props.contest.question)}</p>
      <p className="instructions">{t('ballot.referendumHelp')}</p>
      <div
        className="options options--referendum"
        role="radiogroup"
        aria-label={label(props.contest.question)}
        onKeyDown={(event) => {
          onRadioGroupKey(event, (i) => {
            const option = options[i];
            if (option !== undefined) chooseReferendum(option.id);
          });
        }}
      >
        {options.map((option, i) => {
          const selected = chosen === option.id;
          return (
            <button
              key={option.id}
              type="button"
              role="radio"
              aria-checked={selected}
              tabIndex={rovingTabIndex(i, checkedIndex)}
              className={`option option--answer${selected ? ' option--selected' : ''}`}
              onClick={() => {
                chooseReferendum(option.id);
              }}
            >
              <span className="option__mark" aria-hidden="true">
                {selected ? '✓' : ''}
              </span>
              <span className="option__label">{label(option.label)}</span>
            </button>
          );
        })}
      </div>
    </>
  );
}

export function PluralityContest(props: { readonly contest: CandidateRace; readonly choice: Choice; readonly parties: readonly Party[] }) {
  const { t } = useTranslation();
  const label = useLabel();
  const choosePlurality = useVoterStore((s) => s.choosePlurality);
  const chosen = props.choice.kind === 'plurality' ? props.choice.choice : null;
  const { candidates } = props.contest;
  const checkedIndex = candidates.findIndex((c) => c.id === chosen);
  return (
    <>
      <p className="instructions">{t('ballot.pluralityHelp')}</p>
      <div
        className="options options--candidates"
        role="radiogroup"
        aria-label={label(props.contest.title)}
        onKeyDown={(event) => {
          onRadioGroupKey(event, (i) => {
            const candidate = candidates[i];
            if (candidate !== undefined) choosePlurality(candidate.id);
          });
        }}
      >
        {candidates.map((candidate, i) => {
          const selected = chosen === candidate.id;
          const party = partyOf(props.parties, candidate.party);
          return (
            <button
              key={candidate.id}
              type="button"
              role="radio"
              aria-checked={selected}
              tabIndex={rovingTabIndex(i, checkedIndex)}
              className={`option candidate${selected ? ' option--selected' : ''}`}
              onClick={() => {
                choosePlurality(candidate.id);
              }}
            >
              <Swatch party={party} />
              <span className="candidate__text">
                <span className="candidate__name">{candidate.name}</span>
                <PartyLine party={party} />
              </span>
              <span className="option__mark" aria-hidden="true">
                {selected ? '✓' : ''}
              </span>
              {selected && <span className="candidate__badge">{t('ballot.selected')}</span>}
            </button>
          );
        })}
      </div>
    </>
  );
}

export function RankedContest(props: { readonly contest: CandidateRace; readonly choice: Choice; readonly parties: readonly Party[] }) {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const { toggleRanked, moveRanked } = useVoterStore();
  const ranking = props.choice.kind === 'ranked' ? props.choice.ranking : [];
  const max = maxRankingsOf(props.contest);
  const full = ranking.length >= max;
  const byId = new Map(props.contest.candidates.map((c) => [c.id, c]));
  const choiceLabel = (rank: number) => t('ballot.choice', { ordinal: ordinal(rank, language) });
  return (
    <>
      <p className="instructions">
        {t('ballot.rankedHelp')}{' '}
        {max < props.contest.candidates.length ? t('ballot.rankedMax', { max: String(max) }) : t('ballot.rankedAsMany')}{' '}
        {t('ballot.rankedTapAgain')}
      </p>
      <div className="ranked">
        <ul className="options options--candidates options--ranked" aria-label={t('ballot.rankedHelp')}>
          {props.contest.candidates.map((candidate) => {
            const rank = rankOf(ranking, candidate.id);
            const party = partyOf(props.parties, candidate.party);
            return (
              <li key={candidate.id}>
                <button
                  type="button"
                  aria-pressed={rank !== null}
                  aria-label={rank === null ? candidate.name : `${candidate.name}, ${choiceLabel(rank)}`}
                  disabled={rank === null && full}
                  className={`option candidate${rank !== null ? ' option--selected' : ''}`}
                  onClick={() => {
                    toggleRanked(candidate.id);
                  }}
                >
                  <Swatch party={party} />
                  <span className="candidate__text">
                    <span className="candidate__name">{candidate.name}</span>
                    <PartyLine party={party} />
                  </span>
                  <span className={`rank-badge${rank === null ? ' rank-badge--empty' : ''}`} aria-hidden="true">
                    {rank === null ? '' : choiceLabel(rank)}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        <section className="ranking-panel" aria-labelledby="ranking-title">
          <h2 id="ranking-title" className="ranking-panel__title">
            {t('ballot.yourRanking')}
          </h2>
          {ranking.length === 0 ? (
            <p className="ranking-panel__empty">{t('ballot.rankingEmpty')}</p>
          ) : (
            <ol className="ranking-list">
              {ranking.map((id: CandidateId, i) => {
                const candidate = byId.get(id);
                if (candidate === undefined) return null;
                return (
                  <li key={id} className="ranking-list__item">
                    {/* Remove sits at the start of the line, away from the arrows, so a slip never takes a name off. */}
                    <button
                      type="button"
                      className="icon-button icon-button--remove"
                      aria-label={t('ballot.removeAria', { name: candidate.name })}
                      title={t('ballot.remove')}
                      onClick={() => {
                        toggleRanked(id);
                      }}
                    >
                      ✕
                    </button>
                    <span className="ranking-list__rank">{ordinal(i + 1, language)}</span>
                    <span className="ranking-list__name">{candidate.name}</span>
                    <span className="ranking-list__actions">
                      <button
                        type="button"
                        className="icon-button"
                        disabled={i === 0}
                        aria-label={t('ballot.moveUpAria', { name: candidate.name })}
                        title={t('ballot.moveUp')}
                        onClick={() => {
                          moveRanked(id, -1);
                        }}
                      >
                        ▲
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        disabled={i === ranking.length - 1}
                        aria-label={t('ballot.moveDownAria', { name: candidate.name })}
                        title={t('ballot.moveDown')}
                        onClick={() => {
                          moveRanked(id, 1);
                        }}
                      >
                        ▼
                      </button>
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>
    </>
  );
}

export function ContestBody(props: { readonly contest: Contest; readonly choice: Choice; readonly parties: readonly Party[] }) {
  const { contest } = props;
  if (contest.kind === 'referendum') return <ReferendumContest contest={contest} choice={props.choice} />;
  return contest.method === 'irv' ? (
    <RankedContest contest={contest} choice={props.choice} parties={props.parties} />
  ) : (
    <PluralityContest contest={contest} choice={props.choice} parties={props.parties} />
  );
}
