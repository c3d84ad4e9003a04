import { useTranslation } from 'react-i18next';

/**
 * The band under the toolbar of every screen, voter and staff alike, while the loaded kit is a
 * test election's (docs/decisions/0010-test-mode.md): no one mistakes a logic-and-accuracy test
 * for polling day, nor a test ballot for a vote.
 */
export function TestMarker() {
  const { t } = useTranslation();
  return (
    <div className="test-marker" role="status" data-testid="test-marker">
      <strong className="test-marker__word">{t('app.testMarker')}</strong>
      <span>{t('app.testMarkerText')}</span>
    </div>
  );
}
