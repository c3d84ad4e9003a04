import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client.ts';
import { CONSOLE_API as API, type Rejections } from '@scrutin/shared/api';
import { Chart, THEME } from '../components/chart.tsx';
import { formatClock, formatInt } from '../components/format.ts';
import { FailureView, PageHeader, Stat } from '../components/ui.tsx';
import { useApi } from '../components/use_api.ts';
import { VirtualTable } from '../components/virtual_table.tsx';
import { currentLanguage } from '../i18n/index.ts';
import { namesOf, useElections, type Names } from '../state/elections.ts';
import { useRouter } from '../state/router.ts';
import { REFRESH_MS } from './stations.tsx';

/** Envelopes the validators refused: invalid credentials and duplicate attempts, over time, by riding and station. */
export function RejectionsPage() {
  const { t } = useTranslation();
  const election = useRouter((s) => s.route.election) ?? '';
  const definitions = useElections((s) => s.definitions);
  const names = useMemo(() => namesOf(definitions[election], currentLanguage()), [definitions, election]);
  const [bucket, setBucket] = useState(5);
  const data = useApi(
    `rejections-${election}-${bucket}`,
    () => call(API.rejections, { id: election }, { query: { bucketMinutes: bucket } }),
    REFRESH_MS,
  );
  if (data.failure !== null && data.data === null) return <FailureView failure={data.failure} />;
  const r = data.data;
  if (r === null) return <div className="loading">{t('app.loading')}</div>;
  const invalid = r.totals['invalid-credential'] + r.totals['wrong-station'];
  return (
    <div className="page" data-testid="rejections">
      <PageHeader title={t('pages.rejections')} subtitle={t('rejections.subtitle')} />
      <section className="stats">
        <Stat label={t('rejections.all')} value={formatInt(r.totals.all)} testId="rejections-all" />
        <Stat
          label={t('rejections.invalid')}
          value={formatInt(invalid)}
          tone={invalid > 0 ? 'warn' : undefined}
          testId="rejections-invalid"
        />
        <Stat
          label={t('rejections.duplicates')}
          value={formatInt(r.totals.duplicate)}
          tone={r.totals.duplicate > 0 ? 'warn' : undefined}
          testId="rejections-duplicates"
        />
        <Stat label={t('rejections.invalidBallots')} value={formatInt(r.totals['invalid-ballot'])} />
        <Stat label={t('rejections.repeatedCredentials')} value={formatInt(r.duplicateAttempts.credentials)} />
      </section>
      {r.totals.all === 0 ? (
        // Nothing to chart or list: an empty chart and a table of headers would look broken, so say it.
        <section className="panel">
          <p className="muted empty-note" data-testid="rejections-nothing">
            {t('rejections.nothing')}
          </p>
        </section>
      ) : (
        <RejectionDetail data={r} names={names} bucket={bucket} onBucket={setBucket} />
      )}
    </div>
  );
}

/** When something was rejected: over time, then by riding or station. */
function RejectionDetail(props: {
  readonly data: Rejections;
  readonly names: Names;
  readonly bucket: number;
  readonly onBucket: (minutes: number) => void;
}) {
  const { t } = useTranslation();
  const { data: r, names } = props;
  const [by, setBy] = useState<'riding' | 'station'>('riding');
  return (
    <>
      <section className="panel">
        <div className="panel-title-row">
          <h2>{t('rejections.overTime')}</h2>
          <label className="inline">
            {t('rejections.bucket')}
            <select
              value={props.bucket}
              onChange={(e) => {
                props.onBucket(Number(e.target.value));
              }}
            >
              {[1, 5, 15, 60].map((m) => (
                <option key={m} value={m}>
                  {m} min
                </option>
              ))}
            </select>
          </label>
        </div>
        <Timeline data={r} />
      </section>
      <section className="panel">
        <div className="panel-title-row">
          <h2>{by === 'riding' ? t('rejections.byRiding') : t('rejections.byStation')}</h2>
          <div className="segmented" role="group" aria-label={t('rejections.groupBy')}>
            {(['riding', 'station'] as const).map((b) => (
              <button
                key={b}
                type="button"
                className={b === by ? 'on' : undefined}
                aria-pressed={b === by}
                onClick={() => {
                  setBy(b);
                }}
              >
                {t(`rejections.by.${b}`)}
              </button>
            ))}
          </div>
        </div>
        <VirtualTable
          label={by === 'riding' ? t('rejections.byRiding') : t('rejections.byStation')}
          testId="rejections-table"
          rows={(by === 'riding'
            ? r.ridings.map((x) => ({ ...counts(x), key: x.riding, label: names.riding(x.riding) }))
            : r.stations.map((x) => ({ ...counts(x), key: x.station, label: x.station }))
          ).sort((a, b) => b.all - a.all)}
          rowKey={(x) => x.key}
          height={420}
          columns={[
            {
              key: 'name',
              header: by === 'riding' ? t('table.riding') : t('table.station'),
              width: 'minmax(160px, 1.5fr)',
              cell: (x) => x.label,
            },
            {
              key: 'invalid',
              header: t('rejections.invalid'),
              width: '200px',
              align: 'right',
              cell: (x) => formatInt(x['invalid-credential'] + x['wrong-station']),
            },
            { key: 'dup', header: t('rejections.duplicates'), width: '200px', align: 'right', cell: (x) => formatInt(x.duplicate) },
            {
              key: 'ballot',
              header: t('rejections.invalidBallots'),
              width: '200px',
              align: 'right',
              cell: (x) => formatInt(x['invalid-ballot']),
            },
            { key: 'all', header: t('rejections.all'), width: '140px', align: 'right', cell: (x) => <strong>{formatInt(x.all)}</strong> },
          ]}
        />
      </section>
    </>
  );
}

type ReasonCounts = Pick<Rejections['totals'], 'invalid-credential' | 'wrong-station' | 'duplicate' | 'invalid-ballot' | 'all'>;
const counts = (x: ReasonCounts): ReasonCounts => ({
  'invalid-credential': x['invalid-credential'],
  'wrong-station': x['wrong-station'],
  duplicate: x.duplicate,
  'invalid-ballot': x['invalid-ballot'],
  all: x.all,
});

function Timeline({ data }: { readonly data: Rejections }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      animationDurationUpdate: 500,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: THEME.text } },
      tooltip: { trigger: 'axis', backgroundColor: THEME.surface, borderColor: THEME.grid, textStyle: { color: THEME.text } },
      xAxis: {
        type: 'category',
        data: data.timeline.map((b) => formatClock(b.at)),
        axisLabel: { color: THEME.muted },
        axisLine: { lineStyle: { color: THEME.grid } },
      },
      yAxis: { type: 'value', axisLabel: { color: THEME.muted }, splitLine: { lineStyle: { color: THEME.grid } }, minInterval: 1 },
      series: [
        {
          name: t('rejections.invalid'),
          type: 'bar',
          stack: 'r',
          barMaxWidth: 56,
          data: data.timeline.map((b) => b.invalid),
          itemStyle: { color: THEME.warn },
        },
        {
          name: t('rejections.duplicates'),
          type: 'bar',
          stack: 'r',
          barMaxWidth: 56,
          data: data.timeline.map((b) => b.duplicates),
          itemStyle: { color: THEME.bad },
        },
      ],
    }),
    [data, t],
  );
  if (data.timeline.length === 0) return <p className="muted">{t('rejections.none')}</p>;
  return <Chart option={option} height={260} label={t('rejections.overTime')} testId="rejections-chart" />;
}
