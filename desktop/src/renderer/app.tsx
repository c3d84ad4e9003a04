import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from './components/dialog.tsx';
import { Toolbar } from './components/toolbar.tsx';
import { TestMarker } from './components/test_marker.tsx';
import { useCountdown, useIdle } from './components/hooks.ts';
import { usePrefsStore } from './state/prefs_store.ts';
import { useStaffStore } from './state/staff_store.ts';
import { useStationStore } from './state/station_store.ts';
import { useVoterStore } from './state/voter_store.ts';
import { useAccessibleStore } from './state/accessible_store.ts';
import { endAccessibleSession, useAccessibleStartKeys } from './accessible/start.ts';
import { AccessibleSession } from './screens/accessible/accessible_session.tsx';
import { useSetupStore } from './state/setup_store.ts';
import { Dashboard } from './screens/staff/dashboard.tsx';
import { PinPad } from './screens/staff/pin_pad.tsx';
import { TechnicianSetup } from './screens/staff/technician_setup.tsx';
import { BallotScreen } from './screens/voter/ballot_screen.tsx';
import { CardEntry } from './screens/voter/card_entry.tsx';
import { PollsNotOpen } from './screens/voter/polls_not_open.tsx';
import { Receipt } from './screens/voter/receipt.tsx';
import { Review } from './screens/voter/review.tsx';
import { Welcome } from './screens/voter/welcome.tsx';

/** A voter who stops touching the screen: warned after 90 s, their ballot erased 30 s later. */
export const VOTER_IDLE_MS = 120_000;
export const VOTER_WARNING_MS = 30_000;
/** The audio ballot takes longer: warned after 4.5 minutes without a key. */
export const ACCESSIBLE_IDLE_MS = 300_000;
/** Staff screens lock themselves after 5 minutes without a touch. */
export const STAFF_IDLE_MS = 5 * 60_000;

/** Everything about the voter goes: the ballot, the card, the receipt, their display choices and the audio session. */
function endVoterSession(): void {
  endAccessibleSession();
  useVoterStore.getState().reset();
  usePrefsStore.getState().reset();
}

function IdleWarning(props: { readonly until: number }) {
  const { t } = useTranslation();
  const seconds = useCountdown(props.until);
  return (
    <Dialog
      title={t('idle.title')}
      tone="warning"
      actions={
        // Any touch or key counts as "still here" (useIdle listens to the whole document).
        <button type="button" className="button button--primary button--huge">
          {t('idle.continue')}
        </button>
      }
    >
      <p>{t('idle.body', { seconds: String(seconds) })}</p>
    </Dialog>
  );
}

function VoterFlow() {
  const phase = useVoterStore((s) => s.phase);
  const accessible = useAccessibleStore((s) => s.active);
  const voting = phase === 'card' || phase === 'ballot' || phase === 'review' || (accessible && phase === 'receipt');
  const { warningUntil } = useIdle({
    enabled: voting,
    idleMs: accessible ? ACCESSIBLE_IDLE_MS : VOTER_IDLE_MS,
    warnMs: VOTER_WARNING_MS,
    onIdle: endVoterSession,
  });
  useAccessibleStartKeys(phase === 'welcome' && !accessible);
  const done = endVoterSession;
  let screen;
  if (accessible) {
    return (
      <>
        <AccessibleSession onLeave={done} idleWarning={warningUntil !== null} idleSeconds={VOTER_WARNING_MS / 1000} />
        {warningUntil !== null && <IdleWarning until={warningUntil} />}
      </>
    );
  }
  switch (phase) {
    case 'welcome':
      screen = <Welcome />;
      break;
    case 'card':
      screen = <CardEntry onCancel={done} />;
      break;
    case 'ballot':
      screen = <BallotScreen onQuit={done} />;
      break;
    case 'review':
      screen = <Review onFinish={done} />;
      break;
    case 'receipt':
      screen = <Receipt onDone={done} />;
      break;
  }
  return (
    <>
      {screen}
      {warningUntil !== null && <IdleWarning until={warningUntil} />}
    </>
  );
}

function StaffFlow() {
  const unlocked = useStaffStore((s) => s.unlocked);
  const lock = useStaffStore((s) => s.lock);
  useIdle({ enabled: unlocked !== null, idleMs: STAFF_IDLE_MS, warnMs: 0, onIdle: lock });
  return unlocked === null ? <PinPad /> : <Dashboard />;
}

export function App() {
  const { t, i18n } = useTranslation();
  const connected = useStationStore((s) => s.connected);
  const status = useStationStore((s) => s.status);
  const { language, theme, textSize } = usePrefsStore();
  const staffOpen = useStaffStore((s) => s.pinPadOpen || s.unlocked !== null);
  const openPinPad = useStaffStore((s) => s.openPinPad);
  const phase = useVoterStore((s) => s.phase);
  const setupOpen = useSetupStore((s) => s.open);
  const finishSetup = useSetupStore((s) => s.finish);
  const beginSetup = useSetupStore((s) => s.begin);
  const unset = status !== null && (status.kit === null || status.enrolledAt === null);
  // A station without its kit or its enrolment opens on the technician's setup, which stays until finished.
  useEffect(() => {
    if (unset) beginSetup();
  }, [unset, beginSetup]);

  useEffect(() => {
    void i18n.changeLanguage(language);
    const root = document.documentElement;
    root.lang = language;
    root.dataset.contrast = theme === 'standard' ? 'normal' : theme;
    root.dataset.textSize = String(textSize);
  }, [i18n, language, theme, textSize]);

  // Polls closing (or anything that ends voting) mid-ballot ends the voter's session.
  const polls = status?.polls;
  useEffect(() => {
    if (polls !== 'open') {
      endAccessibleSession();
      useVoterStore.getState().reset();
    }
  }, [polls]);

  if (status === null) {
    return (
      <div className="app" id="app-shell">
        <main className="screen screen--centered" id="main">
          <p className="lead" role="status">
            {t('app.connecting')}
          </p>
        </main>
      </div>
    );
  }

  const needsSetup = status.kit === null || status.enrolledAt === null || setupOpen;
  const staffMode = staffOpen || needsSetup;
  // The staff button shows only where no voter is in the middle of voting.
  const staffButton = !staffMode && phase === 'welcome' ? openPinPad : undefined;
  let body;
  if (needsSetup && !staffOpen) body = <TechnicianSetup onFinish={finishSetup} />;
  else if (staffOpen) body = <StaffFlow />;
  else if (status.polls === 'open') body = <VoterFlow />;
  else body = <PollsNotOpen state={status.polls} />;

  return (
    <>
      <div className="app" id="app-shell">
        <a className="skip-link" href="#main">
          {t('app.skip')}
        </a>
        <Toolbar staffMode={staffMode} {...(staffButton === undefined ? {} : { onStaff: staffButton })} />
        {status.kit?.mode === 'test' && <TestMarker />}
        {body}
      </div>
      {!connected && (
        <Dialog title={t('app.disconnectedTitle')} tone="warning" actions={null}>
          <p>{t('app.disconnectedBody')}</p>
        </Dialog>
      )}
    </>
  );
}
