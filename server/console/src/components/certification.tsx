import { useTranslation } from 'react-i18next';
import type { ElectionSummary, Results } from '@scrutin/shared/api';
import { formatDateTime, formatInt } from './format.ts';
import { Notice } from './ui.tsx';

/**
 * What the results rest on, said next to them: a certification by override (its reason and
 * how many stations it covered, from the audit log), or, once polls are closed, how many
 * stations are still not closed and counted.
 */
export function CertificationNotice({ summary, results }: { readonly summary: ElectionSummary; readonly results: Results }) {
  const { t } = useTranslation();
  const override = summary.certificationOverride;
  if (summary.state === 'certified' && override !== null)
    return (
      <Notice tone="warn" title={t('certification.overrideTitle')} testId="certification-override">
        {t('certification.override', { count: override.stations, date: formatDateTime(override.at), reason: override.reason })}
      </Notice>
    );
  const { closed, total } = results.stations;
  if (summary.state === 'closed' && closed < total)
    return (
      <Notice tone="warn" title={t('certification.incompleteTitle')} testId="count-incomplete">
        {t('certification.incomplete', { count: closed, total: formatInt(total) })}
      </Notice>
    );
  return null;
}
