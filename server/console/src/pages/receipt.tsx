import { useEffect, useState, type SyntheticEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { formatTrackingCode, parseTrackingCode } from '@scrutin/shared';
import { CONSOLE_API, type ElectionSummary } from '@scrutin/shared/api';
import { call } from '../api/client.ts';
import { TestBannerOf } from '../components/test_mode.tsx';
import { Brand, LanguageChoice } from '../components/ui.tsx';
import { currentLanguage } from '../i18n/index.ts';
import { useRouter } from '../state/router.ts';

/**
 * "Check my receipt": public, no login. A voter types the code the kiosk showed after casting
 * and learns, once the polls have closed, whether a ballot carrying it was received and
 * counted; never anything about a choice (the server knows none for a code). A test
 * election's page carries the test banner of every page of it (docs/decisions/0010-test-mode.md).
 */
type Outcome =
  | { readonly kind: 'counted'; readonly code: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-yet-public' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'rate-limited' }
  | { readonly kind: 'failed' };

/** The election a receipt is most likely for: the one named in the address, else the latest that voted. */
function defaultElection(elections: readonly ElectionSummary[], named: string | null): string | null {
  if (named !== null && elections.some((e) => e.id === named)) return named;
  const voted = elections.filter((e) => e.state !== 'draft');
  return (voted.find((e) => e.state === 'open') ?? voted.at(-1) ?? elections.at(-1))?.id ?? null;
}

export function ReceiptPage() {
  const { t } = useTranslation();
  const { route, go } = useRouter();
  const language = currentLanguage();
  const [elections, setElections] = useState<readonly ElectionSummary[]>([]);
  const [election, setElection] = useState<string | null>(route.election);
  const [code, setCode] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void call(CONSOLE_API.elections, {}).then((answer) => {
      if (!answer.ok) return;
      setElections(answer.value.elections);
      setElection((chosen) => defaultElection(answer.value.elections, chosen));
    });
  }, []);

  const check = async (e: SyntheticEvent) => {
    e.preventDefault();
    const parsed = parseTrackingCode(code);
    if (!parsed.ok) {
      setOutcome({ kind: 'invalid' });
      return;
    }
    if (election === null) return;
    setBusy(true);
    const answer = await call(CONSOLE_API.receipt, { id: election, code: formatTrackingCode(parsed.value) });
    setBusy(false);
    if (answer.ok) {
      setOutcome({ kind: 'counted', code: answer.value.code });
      return;
    }
    switch (answer.error.code) {
      case 'not-found':
        setOutcome({ kind: 'not-found' });
        return;
      case 'not-yet-public':
        setOutcome({ kind: 'not-yet-public' });
        return;
      case 'invalid-request':
        setOutcome({ kind: 'invalid' });
        return;
      case 'rate-limited':
        setOutcome({ kind: 'rate-limited' });
        return;
      default:
        setOutcome({ kind: 'failed' });
    }
  };

  return (
    <main className="login receipt-page">
      <form className="login-card receipt-card" onSubmit={(e) => void check(e)} aria-labelledby="receipt-title" noValidate>
        <Brand big />
        {/* A test election's receipts are test ballots': said as on every page of it. */}
        <TestBannerOf mode={elections.find((e) => e.id === election)?.mode} />
        <h1 id="receipt-title">{t('receipt.title')}</h1>
        <p className="muted">{t('receipt.intro')}</p>
        {elections.length > 1 && (
          <label>
            {t('receipt.election')}
            <select
              name="election"
              value={election ?? ''}
              onChange={(e) => {
                setElection(e.target.value);
                setOutcome(null);
              }}
            >
              {elections.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.mode === 'test' ? `[${t('testMode.pill').toUpperCase()}] ` : ''}
                  {e.name[language]}
                </option>
              ))}
            </select>
          </label>
        )}
        <label htmlFor="receipt-code">{t('receipt.code')}</label>
        <input
          id="receipt-code"
          name="code"
          className="receipt-code-input"
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
            setOutcome(null);
          }}
          placeholder="XXXX-XXXX-XXXX"
          aria-describedby="receipt-hint"
          aria-invalid={outcome?.kind === 'invalid'}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={40}
          required
          autoFocus
        />
        <p id="receipt-hint" className="muted">
          <Trans i18nKey="receipt.hint" components={{ code: <span className="nowrap" /> }} />
        </p>
        <button type="submit" className="primary" disabled={busy || election === null}>
          {busy ? t('receipt.busy') : t('receipt.submit')}
        </button>
        <div role="status" aria-live="polite" data-testid="receipt-outcome">
          {outcome !== null && <OutcomeView outcome={outcome} />}
        </div>
        <p>
          <a
            href="/console/login"
            onClick={(e) => {
              e.preventDefault();
              go({ page: 'login', election: null });
            }}
          >
            {t('receipt.officials')}
          </a>
        </p>
        <LanguageChoice onPage />
      </form>
    </main>
  );
}

function OutcomeView({ outcome }: { readonly outcome: Outcome }) {
  const { t } = useTranslation();
  switch (outcome.kind) {
    case 'counted':
      return (
        <div className="receipt-outcome receipt-outcome--good">
          <p className="receipt-outcome__title">{t('receipt.counted')}</p>
          <p>{t('receipt.countedDetail', { code: outcome.code })}</p>
        </div>
      );
    case 'not-found':
      return (
        <div className="receipt-outcome receipt-outcome--bad">
          <p className="receipt-outcome__title">{t('receipt.notFound')}</p>
          <p>{t('receipt.notFoundDetail')}</p>
        </div>
      );
    case 'not-yet-public':
      return (
        <div className="receipt-outcome receipt-outcome--wait">
          <p className="receipt-outcome__title">{t('receipt.notYetPublic')}</p>
          <p>{t('receipt.notYetPublicDetail')}</p>
        </div>
      );
    case 'invalid':
      return (
        <div className="receipt-outcome receipt-outcome--bad">
          <p className="receipt-outcome__title">{t('receipt.invalid')}</p>
        </div>
      );
    case 'rate-limited':
      return (
        <div className="receipt-outcome receipt-outcome--wait">
          <p className="receipt-outcome__title">{t('receipt.rateLimited')}</p>
        </div>
      );
    case 'failed':
      return (
        <div className="receipt-outcome receipt-outcome--bad">
          <p className="receipt-outcome__title">{t('receipt.failed')}</p>
        </div>
      );
  }
}
