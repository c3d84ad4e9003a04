import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ElectionMode } from '@scrutin/shared';
import type { ElectionSummary } from '@scrutin/shared/api';
import { useCurrentElection } from '../state/current_election.ts';

/**
 * A test election's marks (docs/decisions/0010-test-mode.md): a banner over every page of it, a
 * pill beside its state, and its results labelled test results, so no one reads a
 * logic-and-accuracy test for the election's results.
 */
export function TestBanner() {
  const { summary } = useCurrentElection();
  return <TestBannerOf mode={summary?.mode} />;
}

/** The same banner for an election a page chooses itself (the public receipt page); nothing for a live one. */
export function TestBannerOf({ mode }: { readonly mode: ElectionMode | undefined }) {
  const { t } = useTranslation();
  if (mode !== 'test') return null;
  return (
    <div className="test-banner" role="status" data-testid="test-banner">
      <strong>{t('testMode.banner')}</strong>
      <span>{t('testMode.bannerText')}</span>
    </div>
  );
}

export function TestPill() {
  const { t } = useTranslation();
  return (
    <span className="state-pill test-pill" data-testid="test-pill">
      {t('testMode.pill')}
    </span>
  );
}

/** A results page's subtitle, led by "Test results" for a test election. */
export function testResultsLabel(summary: ElectionSummary, subtitle: string, t: TFunction): string {
  return summary.mode === 'test' ? `${t('testMode.results')} · ${subtitle}` : subtitle;
}
