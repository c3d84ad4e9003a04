import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Brand, LanguageChoice } from './components/ui.tsx';
import { roleAtLeast, type Role } from '@scrutin/shared/api';
import { currentLanguage } from './i18n/index.ts';
import { AuditPage } from './pages/audit.tsx';
import { CredentialsPage } from './pages/credentials.tsx';
import { DefinitionPage } from './pages/definition.tsx';
import { ExportsPage } from './pages/exports.tsx';
import { LoginPage } from './pages/login.tsx';
import { OfficialsPage } from './pages/officials.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { ReceiptPage } from './pages/receipt.tsx';
import { RejectionsPage } from './pages/rejections.tsx';
import { RidingPage } from './pages/riding.tsx';
import { RidingsPage } from './pages/ridings.tsx';
import { StationAdminPage } from './pages/station_admin.tsx';
import { StationsPage } from './pages/stations.tsx';
import { useElections } from './state/elections.ts';
import { useLive } from './state/live.ts';
import { useRouter, type Page } from './state/router.ts';
import { Notice } from './components/ui.tsx';
import { useSession } from './state/session.ts';
import { formatTime } from './components/format.ts';
import { TestBanner, TestPill } from './components/test_mode.tsx';

/** The lowest role each page is for (the server enforces the same on its routes). */
const PAGE_ROLE: { readonly [P in Page]: Role } = {
  login: 'observer',
  overview: 'observer',
  ridings: 'observer',
  riding: 'observer',
  stations: 'official',
  rejections: 'official',
  audit: 'official',
  exports: 'official',
  definition: 'admin',
  'station-admin': 'admin',
  credentials: 'admin',
  officials: 'admin',
  // Public: anyone, logged in or not (handled before the login check).
  receipt: 'observer',
};

const NAV: readonly { readonly section: 'results' | 'operations' | 'administration'; readonly pages: readonly Page[] }[] = [
  { section: 'results', pages: ['overview', 'ridings'] },
  { section: 'operations', pages: ['stations', 'rejections', 'audit', 'exports'] },
  { section: 'administration', pages: ['definition', 'station-admin', 'credentials', 'officials'] },
];

/** Pages about one election (they need one chosen). */
const ELECTION_PAGES: ReadonlySet<Page> = new Set<Page>([
  'overview',
  'ridings',
  'riding',
  'stations',
  'rejections',
  'audit',
  'exports',
  'station-admin',
  'credentials',
]);

export function App() {
  const { t } = useTranslation();
  const { session, checked, restore } = useSession();
  const { route, go } = useRouter();
  const { elections, refresh } = useElections();
  const watch = useLive((s) => s.watch);

  useEffect(() => {
    void restore();
  }, [restore]);

  useEffect(() => {
    if (session !== null) void refresh();
  }, [session, refresh]);

  // An election in view by default: the first one accepting ballots, else the latest loaded.
  useEffect(() => {
    if (session === null || route.election !== null || elections.length === 0) return;
    const live = elections.find((e) => e.state === 'open') ?? elections.find((e) => e.state === 'closed') ?? elections.at(-1);
    if (live !== undefined) go({ election: live.id, riding: route.riding, page: route.page === 'login' ? 'overview' : route.page });
  }, [session, route, elections, go]);

  useEffect(() => {
    watch(session === null ? null : route.election);
  }, [session, route.election, watch]);

  if (route.page === 'receipt') return <ReceiptPage />;
  if (!checked) return <div className="splash">{t('app.loading')}</div>;
  if (session === null) return <LoginPage />;

  const allowed = roleAtLeast(session.role, PAGE_ROLE[route.page]);
  const page = route.page === 'login' ? 'overview' : route.page;
  const needsElection = ELECTION_PAGES.has(page) && route.election === null;
  return (
    <div className="shell">
      <Sidebar role={session.role} current={page} />
      <div className="main">
        <TopBar />
        <TestBanner />
        <main className="content" id="content">
          {!allowed ? (
            <Notice tone="bad" title={t('app.forbiddenTitle')}>
              {t('app.forbidden', { role: t(`roles.${PAGE_ROLE[page]}`) })}
            </Notice>
          ) : needsElection ? (
            <Notice tone="info" title={t('app.noElectionTitle')}>
              {t('app.noElection')}
            </Notice>
          ) : (
            <PageView page={page} />
          )}
        </main>
      </div>
    </div>
  );
}

function PageView({ page }: { readonly page: Page }) {
  switch (page) {
    case 'login':
    case 'overview':
      return <OverviewPage />;
    case 'ridings':
      return <RidingsPage />;
    case 'riding':
      return <RidingPage />;
    case 'stations':
      return <StationsPage />;
    case 'rejections':
      return <RejectionsPage />;
    case 'audit':
      return <AuditPage />;
    case 'exports':
      return <ExportsPage />;
    case 'definition':
      return <DefinitionPage />;
    case 'station-admin':
      return <StationAdminPage />;
    case 'credentials':
      return <CredentialsPage />;
    case 'officials':
      return <OfficialsPage />;
    case 'receipt':
      return <ReceiptPage />;
  }
}

function Sidebar({ role, current }: { readonly role: Role; readonly current: Page }) {
  const { t } = useTranslation();
  const go = useRouter((s) => s.go);
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <Brand />
      {NAV.map((group) => {
        const pages = group.pages.filter((p) => roleAtLeast(role, PAGE_ROLE[p]));
        if (pages.length === 0) return null;
        return (
          <div key={group.section} className="nav-group">
            <div className="nav-section">{t(`nav.${group.section}`)}</div>
            <ul>
              {pages.map((p) => {
                const active = p === current || (p === 'ridings' && current === 'riding');
                return (
                  <li key={p}>
                    <a
                      href={`/console/${p}`}
                      className={active ? 'active' : undefined}
                      aria-current={active ? 'page' : undefined}
                      onClick={(e) => {
                        e.preventDefault();
                        go({ page: p });
                      }}
                    >
                      {t(`pages.${p}`)}
                    </a>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

function TopBar() {
  const { t } = useTranslation();
  const { session, logout } = useSession();
  const { route, go } = useRouter();
  const elections = useElections((s) => s.elections);
  const { link, receivedAt } = useLive();
  const language = currentLanguage();
  const election = elections.find((e) => e.id === route.election);
  return (
    <header className="topbar">
      <div className="topbar-election">
        <label htmlFor="election-select" className="sr-only">
          {t('top.election')}
        </label>
        <select
          id="election-select"
          value={route.election ?? ''}
          onChange={(e) => {
            go({ election: e.target.value === '' ? null : e.target.value, page: route.page });
          }}
        >
          {route.election === null && <option value="">{t('top.chooseElection')}</option>}
          {elections.map((e) => (
            <option key={e.id} value={e.id}>
              {e.mode === 'test' ? `[${t('testMode.pill').toUpperCase()}] ` : ''}
              {e.name[language]}
            </option>
          ))}
        </select>
        {election !== undefined && <span className={`state-pill state-${election.state}`}>{t(`states.${election.state}`)}</span>}
        {election?.mode === 'test' && <TestPill />}
      </div>
      <div className="topbar-right">
        {election?.state === 'certified' ? (
          // A certified count no longer moves: say so, not "live".
          <span className="live live-final" data-testid="live-indicator">
            {t('live.final')}
          </span>
        ) : (
          route.election !== null && (
            <span className={`live live-${link}`} data-testid="live-indicator" aria-live="polite">
              <span className="live-dot" aria-hidden="true" />
              {t(`live.${link}`)}
              {receivedAt !== null && (
                <span className="live-time">· {t('live.updated', { time: formatTime(receivedAt.toISOString()) })}</span>
              )}
            </span>
          )
        )}
        <LanguageChoice />
        <span className="who">
          <span className="who-name">{session?.username}</span>
          <span className="who-role">{session === null ? '' : t(`roles.${session.role}`)}</span>
        </span>
        <button type="button" className="ghost" onClick={() => void logout()}>
          {t('top.logout')}
        </button>
      </div>
    </header>
  );
}
