import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ElectionState, IrvRound, RidingResult } from '@scrutin/shared/api';
import { Chart, THEME } from '../components/chart.tsx';
import { formatInt, formatPercent, share } from '../components/format.ts';
import { CertificationNotice } from '../components/certification.tsx';
import { testResultsLabel } from '../components/test_mode.tsx';
import {
  decisionOf,
  firstPreferences,
  irvDecision,
  raceStatus,
  tieBreakOf,
  type RaceDecided,
  type RaceStatus,
  type TieBreak,
} from '../components/race.ts';
import { PageHeader, PartyChip, StatusBadge } from '../components/ui.tsx';
import { type Names } from '../state/elections.ts';
import { useLive } from '../state/live.ts';
import { useCurrentElection } from '../state/current_election.ts';
import { currentLanguage } from '../i18n/index.ts';
import { useRouter } from '../state/router.ts';
import { ReferendumOutcome } from './overview.tsx';

/** One riding: its race (plurality standings, or IRV rounds with transfers), turnout and referendum results. */
export function RidingPage() {
  const { t } = useTranslation();
  const { route, go } = useRouter();
  const results = useLive((s) => s.results);
  const { summary, definition, language, names } = useCurrentElection();

  if (results === null || definition === undefined || summary === undefined) return <div className="loading">{t('app.loading')}</div>;
  const riding = results.ridings.find((r) => r.riding === route.riding);
  if (riding === undefined) {
    return (
      <div className="page">
        <PageHeader title={t('riding.unknown')} />
        <button
          type="button"
          onClick={() => {
            go({ page: 'ridings' });
          }}
        >
          {t('riding.back')}
        </button>
      </div>
    );
  }
  const state = summary.state;
  const status = raceStatus(riding, state);
  const race = definition.contests.find((c) => c.id === riding.contest);
  const tieBreak = tieBreakOf(race?.kind === 'candidate' ? race : undefined);
  const decision = decisionOf(riding.race, tieBreak);
  return (
    <div className="page" data-testid="riding">
      <PageHeader
        title={names.riding(riding.riding)}
        subtitle={testResultsLabel(summary, `${race?.title[language] ?? riding.contest} · ${t(`method.${riding.method}`)}`, t)}
        actions={
          <button
            type="button"
            className="ghost"
            onClick={() => {
              go({ page: 'ridings' });
            }}
          >
            ← {t('riding.back')}
          </button>
        }
      />
      <CertificationNotice summary={summary} results={results} />
      <section className="kpis">
        <div className="kpi">
          <div className="kpi-label">{t('overview.turnout')}</div>
          <div className="kpi-value">{formatPercent(share(riding.ballots, riding.registeredVoters))}</div>
          <div className="kpi-detail">
            {t('overview.ballotsOf', { ballots: formatInt(riding.ballots), registered: formatInt(riding.registeredVoters) })}
          </div>
        </div>
        <div className="kpi" data-testid="riding-stations">
          <div className="kpi-label">{t('overview.stationsReporting')}</div>
          <div className="kpi-value">
            {formatInt(riding.stationsReporting)} / {formatInt(riding.stationsTotal)}
          </div>
          <div className="kpi-detail">
            {t('riding.stationsClosed', { count: riding.stationsClosed, total: formatInt(riding.stationsTotal) })} ·{' '}
            {riding.complete ? t('riding.allClosed') : t('riding.someOpen')}
          </div>
        </div>
        <div className="kpi wide">
          <div className="kpi-label">{t(status === 'elected' ? 'riding.elected' : 'riding.leader')}</div>
          <div className="kpi-value leader-big" data-testid="riding-winner">
            {riding.winner === null ? (
              '—'
            ) : (
              <>
                <PartyChip colour={names.colour(riding.winner.party)} />
                {names.candidate(riding.winner.candidate)}
              </>
            )}
          </div>
          <div className="kpi-detail">
            <StatusBadge status={status} />{' '}
            <span className="muted small">
              {status === 'elected' && !riding.complete ? t('statusNote.electedOverride') : t(`statusNote.${status}`)}
            </span>
          </div>
        </div>
      </section>
      {decision.kind !== 'none' && (
        <p className="decision-text" data-testid="riding-decision" data-decision={decision.kind}>
          <strong>{t('riding.decision')}</strong> {decisionText(t, decision, names)}
        </p>
      )}
      {riding.race.kind === 'irv' ? (
        <IrvView
          riding={riding}
          rounds={riding.race.result.rounds}
          names={names}
          status={status}
          threshold={riding.race.result.summary.finalThreshold}
          tieBreak={tieBreak}
        />
      ) : (
        <PluralityView riding={riding} names={names} status={status} />
      )}
      <RidingReferendums riding={riding.riding} names={names} state={state} />
    </div>
  );
}

function PluralityView({ riding, names, status }: { readonly riding: RidingResult; readonly names: Names; readonly status: RaceStatus }) {
  const { t } = useTranslation();
  const { standings, valid, blank } = firstPreferences(riding.race);
  const race = riding.race;
  const option = useMemo(() => {
    const { standings: ordered, valid: total } = firstPreferences(race);
    const rows = [...ordered].reverse();
    return {
      animationDurationUpdate: 600,
      grid: { left: 8, right: 80, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { lineStyle: { color: THEME.grid } } },
      yAxis: { type: 'category', data: rows.map((s) => names.candidate(s.candidate)), axisLabel: { color: THEME.text, fontSize: 13 } },
      series: [
        {
          type: 'bar',
          barMaxWidth: 28,
          data: rows.map((s) => ({
            value: s.votes,
            itemStyle: { color: names.colour(names.partyOf(s.candidate)), borderRadius: [0, 4, 4, 0] },
          })),
          label: {
            show: true,
            position: 'right',
            color: THEME.text,
            fontWeight: 600,
            formatter: (p: { value: number }) => formatPercent(share(p.value, total)),
          },
        },
      ],
    };
  }, [race, names]);
  return (
    <div className="grid-2">
      <section className="panel">
        <h2>{t('riding.votes')}</h2>
        <Chart option={option} height={Math.max(200, standings.length * 48)} label={t('riding.votesChart')} testId="plurality-chart" />
      </section>
      <section className="panel">
        <h2>{t('riding.standings')}</h2>
        <table className="table" data-testid="plurality-table">
          <thead>
            <tr>
              <th scope="col">{t('table.candidate')}</th>
              <th scope="col">{t('table.party')}</th>
              <th scope="col" className="right">
                {t('table.votes')}
              </th>
              <th scope="col" className="right">
                %
              </th>
            </tr>
          </thead>
          <tbody>
            {standings.map((s) => (
              <tr key={s.candidate} className={riding.winner?.candidate === s.candidate ? 'winner-row' : undefined}>
                <td>
                  {names.candidate(s.candidate)} {riding.winner?.candidate === s.candidate && <StatusBadge status={status} />}
                </td>
                <td>
                  <PartyChip colour={names.colour(names.partyOf(s.candidate))} /> {names.partyOf(s.candidate) ?? t('table.independent')}
                </td>
                <td className="right num">{formatInt(s.votes)}</td>
                <td className="right num">{formatPercent(share(s.votes, valid))}</td>
              </tr>
            ))}
            <tr className="muted">
              <td colSpan={2}>{t('riding.blank')}</td>
              <td className="right num">{formatInt(blank)}</td>
              <td />
            </tr>
          </tbody>
        </table>
      </section>
    </div>
  );
}

function IrvView(props: {
  readonly riding: RidingResult;
  readonly rounds: readonly IrvRound[];
  readonly names: Names;
  readonly status: RaceStatus;
  readonly threshold: number;
  readonly tieBreak: TieBreak;
}) {
  const { t } = useTranslation();
  const { rounds, names, riding } = props;
  const candidates = useMemo(() => Object.keys(rounds[0]?.tally ?? {}), [rounds]);
  const eliminatedIn = new Map<string, number>();
  for (const r of rounds) for (const d of r.decisions) if (d.kind === 'eliminated') eliminatedIn.set(d.candidate, r.round);
  const ordered = [...candidates].sort(
    (a, b) =>
      (eliminatedIn.get(b) ?? Infinity) - (eliminatedIn.get(a) ?? Infinity) || (rounds[0]?.tally[b] ?? 0) - (rounds[0]?.tally[a] ?? 0),
  );
  const exhausted = (r: IrvRound) => Object.values(r.inactive).reduce((n, v) => n + v, 0);
  const sankey = useMemo(() => sankeyOption(rounds, names, t('riding.exhausted')), [rounds, names, t]);
  return (
    <>
      <section className="panel">
        <h2>{t('riding.rounds')}</h2>
        <p className="muted small">{t('riding.roundsNote', { threshold: formatInt(props.threshold) })}</p>
        <div className="table-scroll" tabIndex={0} role="region" aria-label={t('riding.rounds')}>
          <table className="table rounds" data-testid="irv-rounds">
            <thead>
              <tr>
                <th scope="col">{t('table.candidate')}</th>
                {rounds.map((r) => (
                  <th key={r.round} scope="col" className="right">
                    {t('riding.round', { n: r.round })}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ordered.map((c) => (
                <tr key={c} data-candidate={c} className={riding.winner?.candidate === c ? 'winner-row' : undefined}>
                  <th scope="row">
                    <PartyChip colour={names.colour(names.partyOf(c))} /> {names.candidate(c)}
                    {riding.winner?.candidate === c && (
                      <>
                        {' '}
                        <StatusBadge status={props.status} />
                      </>
                    )}
                  </th>
                  {rounds.map((r, i) => {
                    const votes = r.tally[c];
                    if (votes === undefined) return <td key={r.round} className="right gone" aria-label={t('riding.out')} />;
                    const previous = i === 0 ? undefined : rounds[i - 1]?.tally[c];
                    const delta = previous === undefined ? 0 : votes - previous;
                    const total = Object.values(r.tally).reduce((n, v) => n + v, 0);
                    const eliminatedHere = r.decisions.some((d) => d.kind === 'eliminated' && d.candidate === c);
                    return (
                      <td key={r.round} className={`right num${eliminatedHere ? ' eliminated' : ''}`} data-round={r.round}>
                        <span className="votes">{formatInt(votes)}</span>
                        <span className="pct">{formatPercent(share(votes, total))}</span>
                        {delta > 0 && <span className="delta">+{formatInt(delta)}</span>}
                        {eliminatedHere && <span className="elim">{t('riding.eliminated')}</span>}
                      </td>
                    );
                  })}
                </tr>
              ))}
              <tr className="inactive-row">
                <th scope="row">{t('riding.exhausted')}</th>
                {rounds.map((r) => (
                  <td key={r.round} className="right num" data-round={r.round}>
                    {formatInt(exhausted(r))}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
        <ol className="decisions" data-testid="irv-decisions">
          {rounds.flatMap((r) =>
            r.decisions.map((d) => (
              <li key={`${r.round}-${d.candidate}`}>
                <strong>{t('riding.round', { n: r.round })}</strong> —{' '}
                {d.kind === 'elected'
                  ? decisionText(t, irvDecision(r, d.candidate, d.byTiebreak, props.tieBreak), names)
                  : t('riding.eliminatedDecision', { name: names.candidate(d.candidate) })}
                {d.kind === 'eliminated' && d.byTiebreak ? ` (${t(`riding.tiebreak.${props.tieBreak}`)})` : ''}
                {d.kind === 'eliminated' && (Object.keys(d.transfers.toCandidates).length > 0 || d.transfers.exhausted > 0) && (
                  <span className="muted">
                    {' '}
                    ·{' '}
                    {Object.entries(d.transfers.toCandidates)
                      .map(([k, v]) => `${names.candidate(k)} +${formatInt(v)}`)
                      .join(', ')}
                    {d.transfers.exhausted > 0 ? `, ${t('riding.exhausted').toLowerCase()} +${formatInt(d.transfers.exhausted)}` : ''}
                  </span>
                )}
              </li>
            )),
          )}
        </ol>
      </section>
      <section className="panel">
        <h2>{t('riding.transfers')}</h2>
        {rounds.length < 2 ? (
          // Won in round 1: nothing was transferred, so there is no flow to draw.
          <p className="muted" data-testid="irv-no-transfers">
            {t('riding.noTransfers')}
          </p>
        ) : (
          <>
            <ol className="sankey-rounds" aria-hidden="true" data-testid="sankey-rounds">
              {rounds.map((r) => (
                <li key={r.round}>{t('riding.round', { n: r.round })}</li>
              ))}
            </ol>
            <Chart option={sankey} height={Math.max(320, candidates.length * 64)} label={t('riding.sankey')} testId="irv-sankey" />
          </>
        )}
      </section>
    </>
  );
}

/** A decision in words: majority, plurality, a tie and how it was broken. */
function decisionText(t: TFunction, decision: RaceDecided, names: Names): string {
  const list = (ids: readonly string[]) =>
    new Intl.ListFormat(currentLanguage(), { type: 'conjunction' }).format(ids.map((id) => names.candidate(id)));
  switch (decision.kind) {
    case 'majority':
      return t('outcome.majority', {
        name: names.candidate(decision.candidate),
        count: decision.votes,
        threshold: formatInt(decision.threshold),
      });
    case 'plurality':
      return t('outcome.plurality', {
        name: names.candidate(decision.candidate),
        count: decision.votes,
        total: formatInt(decision.total),
        threshold: formatInt(decision.threshold),
      });
    case 'tie-broken':
      return t(`outcome.tieBroken.${decision.by}`, {
        name: names.candidate(decision.candidate),
        tied: list(decision.tied),
        count: decision.votes,
      });
    case 'tie':
      return t('outcome.tie', { tied: list(decision.tied), count: decision.votes });
  }
}

/** Room for the candidates' names at the left and at the right of the transfer chart, in px. */
const SANKEY_MARGIN = 120;

function sankeyOption(rounds: readonly IrvRound[], names: Names, exhaustedLabel: string) {
  const nodes = new Map<string, { name: string; label: string; colour: string }>();
  const links: { source: string; target: string; value: number; lineStyle: { color: string } }[] = [];
  const node = (candidate: string | null, round: number) => {
    const key = `${candidate ?? '∅'}#${round}`;
    if (!nodes.has(key)) {
      nodes.set(key, {
        name: key,
        label: candidate === null ? exhaustedLabel : names.candidate(candidate),
        colour: candidate === null ? '#55607a' : names.colour(names.partyOf(candidate)),
      });
    }
    return key;
  };
  rounds.forEach((r, i) => {
    const next = rounds[i + 1];
    if (next === undefined) return;
    const decided = new Set(r.decisions.filter((d) => d.kind === 'eliminated').map((d) => d.candidate));
    for (const [c, votes] of Object.entries(r.tally)) {
      if (!decided.has(c) && next.tally[c] !== undefined && votes > 0)
        links.push({
          source: node(c, r.round),
          target: node(c, next.round),
          value: votes,
          lineStyle: { color: names.colour(names.partyOf(c)) },
        });
    }
    const before = Object.values(r.inactive).reduce((n, v) => n + v, 0);
    if (before > 0)
      links.push({ source: node(null, r.round), target: node(null, next.round), value: before, lineStyle: { color: '#55607a' } });
    for (const d of r.decisions) {
      if (d.kind !== 'eliminated') continue;
      for (const [to, v] of Object.entries(d.transfers.toCandidates))
        if (v > 0)
          links.push({
            source: node(d.candidate, r.round),
            target: node(to, next.round),
            value: v,
            lineStyle: { color: names.colour(names.partyOf(d.candidate)) },
          });
      if (d.transfers.exhausted > 0)
        links.push({
          source: node(d.candidate, r.round),
          target: node(null, next.round),
          value: d.transfers.exhausted,
          lineStyle: { color: '#55607a' },
        });
    }
  });
  const used = new Set(links.flatMap((l) => [l.source, l.target]));
  // Each band is named twice, not at every round (where a name ran into the next round's bars
  // and into its neighbours' names on a tablet): at the left of the first round, where every
  // candidate with votes starts, and at the right of the last one, where the finalists end.
  // A long name wraps within its margin (SANKEY_MARGIN) rather than running off the chart.
  const first = rounds[0]?.round;
  const last = rounds.at(-1)?.round;
  const labelOf = (key: string) => {
    const round = Number(key.slice(key.lastIndexOf('#') + 1));
    if (round === first) return { show: true, position: 'left' as const };
    if (round === last) return { show: true, position: 'right' as const };
    return { show: false };
  };
  return {
    animationDurationUpdate: 600,
    tooltip: { trigger: 'item', backgroundColor: THEME.surface, borderColor: THEME.grid, textStyle: { color: THEME.text } },
    series: [
      {
        type: 'sankey',
        left: SANKEY_MARGIN,
        right: SANKEY_MARGIN,
        top: 12,
        bottom: 12,
        nodeGap: 14,
        nodeWidth: 14,
        layoutIterations: 0,
        emphasis: { focus: 'adjacency' },
        data: [...nodes.values()]
          .filter((n) => used.has(n.name))
          .map((n) => ({
            name: n.name,
            itemStyle: { color: n.colour, borderColor: n.colour },
            label: { ...labelOf(n.name), formatter: () => n.label },
          })),
        links: links.map((l) => ({ ...l, lineStyle: { ...l.lineStyle, opacity: 0.35, curveness: 0.5 } })),
        label: { color: THEME.text, fontSize: 12, lineHeight: 15, width: SANKEY_MARGIN - 12, overflow: 'break' },
        // Two small bands side by side: their names move apart rather than print over each other.
        labelLayout: { moveOverlap: 'shiftY' },
      },
    ],
  };
}

function RidingReferendums({ riding, names, state }: { readonly riding: string; readonly names: Names; readonly state: ElectionState }) {
  const { t } = useTranslation();
  const results = useLive((s) => s.results);
  const rows = (results?.referendums ?? []).flatMap((q) => {
    const here = q.byRiding.find((r) => r.riding === riding);
    return here === undefined ? [] : [{ contest: q.contest, result: here.result }];
  });
  if (rows.length === 0) return null;
  return (
    <section className="panel">
      <h2>{t('overview.referendums')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('table.question')}</th>
            <th scope="col" className="right">
              {t('referendum.yes')}
            </th>
            <th scope="col" className="right">
              {t('referendum.no')}
            </th>
            <th scope="col" className="right">
              {t('riding.blank')}
            </th>
            <th scope="col">{t('table.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.contest}>
              <td>{names.question(r.contest)}</td>
              <td className="right num">
                {formatInt(r.result.counts.oui)} ({formatPercent(r.result.ouiShare)})
              </td>
              <td className="right num">{formatInt(r.result.counts.non)}</td>
              <td className="right num">{formatInt(r.result.counts.blank)}</td>
              <td>
                <ReferendumOutcome outcome={r.result.outcome} state={state} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
