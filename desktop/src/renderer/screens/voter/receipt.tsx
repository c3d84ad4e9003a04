import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useCountdown, useHeadingFocus } from '../../components/hooks.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';

export const RECEIPT_SCREEN_MS = 20_000;

/** The ballot is in: the receipt code, then back to the welcome screen by itself. */
export function Receipt(props: { readonly onDone: () => void }) {
  const { t } = useTranslation();
  const receipt = useVoterStore((s) => s.receipt);
  const receiptUrl = useStationStore((s) => s.status?.kit?.receiptUrl ?? '');
  const heading = useHeadingFocus<HTMLHeadingElement>('receipt');
  // The deadline is fixed when the screen appears.
  // eslint-disable-next-line react-hooks/purity
  const deadline = useMemo(() => Date.now() + RECEIPT_SCREEN_MS, []);
  const seconds = useCountdown(deadline);
  const { onDone } = props;
  useEffect(() => {
    const timer = setTimeout(onDone, RECEIPT_SCREEN_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [onDone]);
  return (
    <main className="screen screen--centered screen--receipt" id="main">
      <div className="notice-card notice-card--success">
        <div className="notice-card__head">
          <span className="notice-card__icon notice-card__icon--success" aria-hidden="true">
            ✓
          </span>
          <h1 ref={heading} tabIndex={-1}>
            {t('receipt.title')}
          </h1>
          <p className="lead">{t('receipt.thanks')}</p>
        </div>
        <div className="receipt">
          <p className="receipt__label" id="receipt-label">
            {t('receipt.codeLabel')}
          </p>
          <p className="receipt__code" aria-labelledby="receipt-label" data-testid="receipt-code">
            {receipt}
          </p>
          <p className="receipt__help" data-testid="receipt-help">
            {t('receipt.codeHelp', { url: receiptUrl })}
          </p>
        </div>
        <button type="button" className="button button--primary button--huge" onClick={onDone}>
          {t('receipt.done')}
        </button>
        <p className="receipt__timer" aria-live="off">
          {t('receipt.autoReturn', { seconds: String(seconds) })}
        </p>
      </div>
    </main>
  );
}
