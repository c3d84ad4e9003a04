import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { startAccessibleSession } from '../../accessible/start.ts';
import type { AccessInput } from '../../state/accessible_store.ts';
import { useStaffStore } from '../../state/staff_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';

/**
 * The poll worker starts an audio ballot for a voter: with the accessible controller, or with
 * two switches (their setup comes after the card). The staff screen locks and the card screen
 * opens, speaking; the poll worker may type the card for the voter, then hands over.
 */
export function AccessPanel(props: { readonly pollsOpen: boolean }) {
  const { t } = useTranslation();
  const lock = useStaffStore((s) => s.lock);
  const startVoter = useVoterStore((s) => s.start);
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);

  const start = async (input: AccessInput) => {
    setBusy(true);
    const started = await startAccessibleSession(input);
    setBusy(false);
    if (!started) {
      setUnavailable(true);
      return;
    }
    startVoter();
    lock();
  };

  return (
    <section className="panel" aria-labelledby="access-title">
      <h2 id="access-title">{t('staff.accessTitle')}</h2>
      <p className="muted">{t('staff.accessHelp')}</p>
      <div className="actions">
        <button
          type="button"
          className="button button--secondary"
          disabled={busy || !props.pollsOpen}
          onClick={() => void start('controller')}
        >
          {t('staff.accessController')}
        </button>
        <button type="button" className="button button--secondary" disabled={busy || !props.pollsOpen} onClick={() => void start('switch')}>
          {t('staff.accessSwitch')}
        </button>
      </div>
      {unavailable && (
        <p className="message message--error" role="alert">
          {t('staff.accessNone')}
        </p>
      )}
    </section>
  );
}
