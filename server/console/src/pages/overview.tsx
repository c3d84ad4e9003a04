import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ElectionState, Results } from '@scrutin/shared/api';
import { CertificationNotice } from '../components/certification.tsx';
import { testResultsLabel } from '../components/test_mode.tsx';
import { Chart, THEME } from '../components/chart.tsx';
import { formatInt, formatPercent, formatTime, share } from '../components/format.ts';
import { hemicycleSeats, raceStatus } from '../components/race.ts';
import { Notice, PageHeader, PartyChip, StatusBadge } from '../components/ui.tsx';
import { VirtualTable } from '../components/virtual_table.tsx';
import { type Names } from '../state/elections.ts';
import { useLive } from '../state/live.ts';
import { useCurrentElection } from '../state/current_election.ts';
import { useRouter } from '../state/router.ts';

/** The wall screen: national turnout, seats, popular vote, ridings reporting and referendums, live. */
export function OverviewPage() {
  const { t } = useTranslation();
  const results = useLive((s) => s.results);
  const embargoedUntil = useLive((s) => s.embargoedUntil);
  const { summary, definition, language, names } = useCurrentElection();
  const go = useRouter((s) => s.go);

  if (embargoedUntil !== null)
    return (
      <div className="page" data-testid="overview">
        <Notice tone="info" title={t('overview.embargoTitle')}>
          {t('overview.embargo', { time: formatTime(embargoedUntil) })}
        </Notice>
      </div>
    );
  if (results === null || summary === undefined || definition === undefined) return <div className="loading">{t('app.loading')}</div>;
  const state = summary.state;
  const turnout = results.turnout;
  return (
    <div className="page" data-testid="overview">
      <PageHeader
        title={summary.name[language]}
        subtitle={testResultsLabel(summary, state === 'certified' ? t('overview.final') : t('overview.provisional'), t)}
        actions={
          <a
            href={`/console/receipt?election=${encodeURIComponent(summary.id)}`}
            className="receipt-link"
            onClick={(e) => {
              e.preventDefault();
              go({ page: 'receipt', election: summary.id });
            }}
          >
            {t('receipt.link')}
          </a>
        }
      />
      <CertificationNotice summary={summary} results={results} />
      <section className="kpis" aria-label={t('overview.keyFigures')}>
        <Kpi
          label={t('overview.turnout')}
          value={formatPercent(share(turnout.ballots, turnout.registeredVoters))}
          detail={t('overview.ballotsOf', { ballots: formatInt(turnout.ballots), registered: formatInt(turnout.registeredVoters) })}
          testId="kpi-turnout"
        />
        <Kpi label={t('overview.ballots')} value={formatInt(turnout.ballots)} detail={t('overview.counted')} testId="kpi-ballots" />
        <Kpi
          label={t('overview.ridingsReporting')}
          value={`${formatInt(results.ridingsReporting.reporting)} / ${formatInt(results.ridingsReporting.total)}`}
          detail={t('overview.ridingsComplete', { count: results.ridingsReporting.complete })}
          testId="kpi-ridings"
        />
        <Kpi
          label={t('overview.stationsReporting')}
          value={`${formatInt(results.stations.reporting)} / ${formatInt(results.stations.total)}`}
          detail={t('overview.stationsClosed', { count: results.stations.closed, total: formatInt(results.stations.total) })}
          testId="kpi-stations"
        />
      </section>
      <div className="grid-2">
        <section className="panel" aria-labelledby="seats-title">
          <h2 id="seats-title">{t('overview.seats')}</h2>
          <p className="muted small">{state === 'certified' ? t('overview.seatsFinal') : t('overview.seatsProvisional')}</p>
          <SeatChart results={results} names={names} order={definition.parties.map((p) => p.code)} />
          <SeatLegend results={results} names={names} />
        </section>
        <section className="panel" aria-labelledby="vote-title">
          <h2 id="vote-title">{t('overview.popularVote')}</h2>
          <p className="muted small">{t('overview.popularVoteNote')}</p>
          <PopularVote results={results} names={names} />
        </section>
      </div>
      {results.referendums.length > 0 && (
        <section className="panel" aria-labelledby="ref-title">
          <h2 id="ref-title">{t('overview.referendums')}</h2>
          <div className="referendums">
            {results.referendums.map((q) => {
              const national = q.national;
              const ouiShare = national.ouiShare;
              return (
                <article key={q.contest} className="referendum" data-testid={`referendum-${q.contest}`}>
                  <header>
                    <h3>{names.question(q.contest)}</h3>
                    <ReferendumOutcome outcome={national.outcome} state={state} />
                  </header>
                  <div className="yesno" aria-hidden="true">
                    <div className="yes" style={{ width: `${(ouiShare ?? 0.5) * 100}%` }} />
                    <div className="no" style={{ width: `${(1 - (ouiShare ?? 0.5)) * 100}%` }} />
                    <div className="half" />
                  </div>
                  <div className="yesno-figures">
                    <span className="yes-text">
                      {t('referendum.yes')} {formatPercent(ouiShare)} · {formatInt(national.counts.oui)}
                    </span>
                    <span className="muted small">{t('referendum.blank', { count: national.counts.blank })}</span>
                    <span className="no-text">
                      {t('referendum.no')} {formatPercent(ouiShare === null ? null : 1 - ouiShare)} · {formatInt(national.counts.non)}
                    </span>
                  </div>
                  <p className="muted small">
                    {t('referendum.ridingsFor', {
                      yes: q.byRiding.filter((r) => r.result.outcome.kind === 'adopted').length,
                      total: q.byRiding.length,
                    })}
                  </p>
                </article>
              );
            })}
          </div>
        </section>
      )}
      <section className="panel" aria-labelledby="ridings-title">
        <h2 id="ridings-title">{t('overview.byRiding')}</h2>
        <RidingTable results={results} names={names} state={state} />
      </section>
    </div>
  );
}

function Kpi(props: { readonly label: string; readonly value: string; readonly detail: string; readonly testId: string }) {
  return (
    <div className="kpi" data-testid={props.testId}>
      <div className="kpi-label">{props.label}</div>
      <div className="kpi-value">{props.value}</div>
      <div className="kpi-detail">{props.detail}</div>
    </div>
  );
}

export function ReferendumOutcome({
  outcome,
  state,
}: {
  readonly outcome: Results['referendums'][number]['national']['outcome'];
  readonly state: ElectionState;
}) {
  const { t } = useTranslation();
  const provisional = state !== 'certified';
  switch (outcome.kind) {
    case 'no-votes':
      return <span className="badge muted-badge">{t('referendum.noVotes')}</span>;
    case 'adopted':
      return (
        <span className="badge good" data-testid="referendum-outcome">
          {t('referendum.adopted')}
          {provisional ? ` · ${t('status.provisionalShort')}` : ''}
        </span>
      );
    case 'rejected':
      return (
        <span className="badge bad" data-testid="referendum-outcome" title={t(`referendum.${outcome.reason}`)}>
          {t('referendum.rejected')}
          {outcome.reason === 'quorum-not-met' ? ` (${t('referendum.quorum-not-met')})` : ''}
          {provisional ? ` · ${t('status.provisionalShort')}` : ''}
        </span>
      );
  }
}

function SeatChart({ results, names, order }: { readonly results: Results; readonly names: Names; readonly order: readonly string[] }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const seats = hemicycleSeats(results.ridings.length);
    const byParty = new Map<string | null, number>();
    for (const r of results.ridings) if (r.winner !== null) byParty.set(r.winner.party, (byParty.get(r.winner.party) ?? 0) + 1);
    const parties: (string | null)[] = [...order.filter((p) => byParty.has(p)), ...(byParty.has(null) ? [null] : [])];
    const colours: string[] = [];
    for (const p of parties) for (let i = 0; i < (byParty.get(p) ?? 0); i += 1) colours.push(names.colour(p));
    const labels: string[] = [];
    for (const p of parties) for (let i = 0; i < (byParty.get(p) ?? 0); i += 1) labels.push(names.party(p));
    // Seats fill the half-circle: big for a small assembly, smaller as it grows.
    const size = Math.max(7, Math.min(40, 340 / Math.sqrt(Math.max(1, seats.length) * 3.2)));
    // The axes span the seats' centres exactly (x −1 to 1, y 0 to 1) and the plot keeps half a
    // seat of room on each side, so the outermost and the bottom row of circles are drawn whole.
    const room = Math.ceil(size / 2) + 2;
    return {
      animationDurationUpdate: 600,
      grid: { left: room, right: room, top: room, bottom: room },
      xAxis: { type: 'value', min: -1, max: 1, show: false },
      yAxis: { type: 'value', min: 0, max: 1, show: false },
      tooltip: {
        trigger: 'item',
        backgroundColor: THEME.surface,
        borderColor: THEME.grid,
        textStyle: { color: THEME.text },
        formatter: (p: { dataIndex: number }) => labels[p.dataIndex] ?? t('overview.undeclared'),
      },
      series: [
        {
          type: 'scatter',
          symbolSize: size,
          clip: false,
          data: seats.map((s, i) => ({
            value: [s.x, s.y],
            itemStyle: {
              color: colours[i] ?? '#2a3756',
              borderColor: colours[i] === undefined ? '#3a4a6e' : 'transparent',
              borderWidth: 1,
            },
          })),
        },
      ],
    };
  }, [results, names, order, t]);
  const majority = Math.floor(results.ridings.length / 2) + 1;
  return (
    <div className="hemicycle">
      <Chart option={option} height={260} label={t('overview.seatsChart')} testId="seat-chart" />
      <div className="majority">
        <strong>{formatInt(majority)}</strong> {t('overview.majority')}
      </div>
    </div>
  );
}

function SeatLegend({ results, names }: { readonly results: Results; readonly names: Names }) {
  const { t } = useTranslation();
  const undeclared = results.ridings.filter((r) => r.winner === null).length;
  return (
    <ul className="seat-legend" data-testid="seat-legend">
      {results.parties
        .filter((p) => p.seats > 0 || p.votes > 0)
        .map((p) => (
          <li key={p.party ?? 'independents'} data-party={p.party ?? 'IND'}>
            <PartyChip colour={names.colour(p.party)} />
            <span className="party-name">{names.party(p.party)}</span>
            <strong className="seat-count">{formatInt(p.seats)}</strong>
          </li>
        ))}
      {undeclared > 0 && (
        <li>
          <PartyChip colour="#2a3756" />
          <span className="party-name muted">{t('overview.undeclared')}</span>
          <strong className="seat-count muted">{formatInt(undeclared)}</strong>
        </li>
      )}
    </ul>
  );
}

function PopularVote({ results, names }: { readonly results: Results; readonly names: Names }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const parties = results.parties
      .filter((p) => p.votes > 0 || p.party !== null)
      .slice()
      .sort((a, b) => a.votes - b.votes);
    return {
      animationDurationUpdate: 600,
      grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
      xAxis: {
        type: 'value',
        max: (v: { max: number }) => Math.max(0.05, v.max * 1.1),
        axisLabel: { show: true, color: THEME.text, fontSize: 12, formatter: (v: number) => formatPercent(v, 0) },
        splitLine: { lineStyle: { color: THEME.grid } },
      },
      yAxis: {
        type: 'category',
        data: parties.map((p) => names.party(p.party)),
        axisLabel: { color: THEME.text, fontSize: 13 },
        axisLine: { lineStyle: { color: THEME.grid } },
      },
      tooltip: { trigger: 'item', backgroundColor: THEME.surface, borderColor: THEME.grid, textStyle: { color: THEME.text } },
      series: [
        {
          type: 'bar',
          barMaxWidth: 26,
          data: parties.map((p) => ({
            value: p.share,
            votes: p.votes,
            itemStyle: { color: names.colour(p.party), borderRadius: [0, 4, 4, 0] },
          })),
          label: {
            show: true,
            position: 'right',
            color: THEME.text,
            fontSize: 13,
            fontWeight: 600,
            formatter: (p: { value: number }) => formatPercent(p.value),
          },
        },
      ],
    };
  }, [results, names]);
  return (
    <Chart
      option={option}
      height={Math.max(220, results.parties.length * 44)}
      label={t('overview.popularVoteChart')}
      testId="popular-vote-chart"
    />
  );
}

export function RidingTable({
  results,
  names,
  state,
}: {
  readonly results: Results;
  readonly names: Names;
  readonly state: ElectionState;
}) {
  const { t } = useTranslation();
  const go = useRouter((s) => s.go);
  const rows = useMemo(
    () => [...results.ridings].sort((a, b) => names.riding(a.riding).localeCompare(names.riding(b.riding))),
    [results, names],
  );
  return (
    <VirtualTable
      label={t('overview.byRiding')}
      testId="ridings-table"
      rows={rows}
      rowKey={(r) => r.riding}
      height={480}
      onRowClick={(r) => {
        go({ page: 'riding', riding: r.riding });
      }}
      columns={[
        { key: 'riding', header: t('table.riding'), width: 'minmax(150px, 1.3fr)', cell: (r) => <strong>{names.riding(r.riding)}</strong> },
        {
          key: 'leader',
          header: t('table.leader'),
          width: 'minmax(240px, 2fr)',
          cell: (r) =>
            r.winner === null ? (
              <span className="muted">—</span>
            ) : (
              <span className="leader">
                <PartyChip colour={names.colour(r.winner.party)} />
                {names.candidate(r.winner.candidate)} <span className="muted small">{r.winner.party ?? ''}</span>
              </span>
            ),
        },
        { key: 'status', header: t('table.status'), width: '170px', cell: (r) => <StatusBadge status={raceStatus(r, state)} /> },
        { key: 'method', header: t('table.method'), width: '130px', cell: (r) => <span className="muted">{t(`method.${r.method}`)}</span> },
        {
          key: 'turnout',
          header: t('table.turnout'),
          width: '130px',
          align: 'right',
          cell: (r) => formatPercent(share(r.ballots, r.registeredVoters)),
        },
        {
          key: 'stations',
          header: t('table.stationsReporting'),
          width: '110px',
          align: 'right',
          cell: (r) => `${formatInt(r.stationsReporting)} / ${formatInt(r.stationsTotal)}`,
        },
      ]}
    />
  );
}
