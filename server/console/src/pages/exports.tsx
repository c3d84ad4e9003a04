import { useTranslation } from 'react-i18next';
import { testFileName } from '@scrutin/shared';
import { CONSOLE_API as API } from '@scrutin/shared/api';
import { downloadUrl } from '../api/client.ts';
import { PageHeader } from '../components/ui.tsx';
import { useCurrentElection } from '../state/current_election.ts';

/** Downloads for outside checks: results (CSV, NIST 1500-100), CVRs (NIST 1500-103), and each IRV race for RCTab. */
export function ExportsPage() {
  const { t } = useTranslation();
  const { election, summary, definition, names } = useCurrentElection();
  const irv = (definition?.contests ?? []).flatMap((c) => (c.kind === 'candidate' && c.method === 'irv' ? [c] : []));
  return (
    <div className="page" data-testid="exports">
      <PageHeader title={t('pages.exports')} subtitle={t('exports.subtitle')} />
      <div className="export-grid">
        <ExportCard
          title={t('exports.csv')}
          text={t('exports.csvText')}
          href={downloadUrl(API.resultsCsv, { id: election })}
          format="CSV"
          testId="export-csv"
        />
        <ExportCard
          title={t('exports.nist')}
          text={t('exports.nistText')}
          href={downloadUrl(API.resultsNist, { id: election })}
          format="NIST SP 1500-100"
          testId="export-nist"
        />
        <ExportCard
          title={t('exports.cvrs')}
          text={t('exports.cvrsText')}
          href={downloadUrl(API.cvrs, { id: election })}
          format="NIST SP 1500-103"
          testId="export-cvrs"
        />
      </div>
      <section className="panel">
        <h2>{t('exports.rctab')}</h2>
        <p className="muted">{t('exports.rctabText')}</p>
        {irv.length === 0 ? (
          <p className="muted">{t('exports.noIrv')}</p>
        ) : (
          <table className="table" data-testid="rctab-exports">
            <thead>
              <tr>
                <th scope="col">{t('table.riding')}</th>
                <th scope="col">{t('table.contest')}</th>
                <th scope="col">{t('exports.files')}</th>
              </tr>
            </thead>
            <tbody>
              {irv.map((race) => (
                <tr key={race.id}>
                  <td>{names.riding(race.riding)}</td>
                  <td>
                    <code>{race.id}</code>
                  </td>
                  <td className="links">
                    <a
                      href={downloadUrl(API.rctabConfig, { id: election, contest: race.id })}
                      download={testFileName(summary ?? {}, `${race.id}_config.json`)}
                      data-testid={`rctab-config-${race.id}`}
                    >
                      {t('exports.config')}
                    </a>
                    <a
                      href={downloadUrl(API.rctabCvr, { id: election, contest: race.id })}
                      download={testFileName(summary ?? {}, `${race.id}_cvr.json`)}
                      data-testid={`rctab-cvr-${race.id}`}
                    >
                      {t('exports.cvr')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted small">{t('exports.secrecy')}</p>
      </section>
    </div>
  );
}

function ExportCard(props: {
  readonly title: string;
  readonly text: string;
  readonly href: string;
  readonly format: string;
  readonly testId: string;
}) {
  const { t } = useTranslation();
  return (
    <article className="panel export-card">
      <span className="format">{props.format}</span>
      <h2>{props.title}</h2>
      <p className="muted">{props.text}</p>
      <a className="button primary" href={props.href} download data-testid={props.testId}>
        {t('exports.download')}
      </a>
    </article>
  );
}
