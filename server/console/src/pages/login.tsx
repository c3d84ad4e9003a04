import { useState, type SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Brand, LanguageChoice } from '../components/ui.tsx';
import { useRouter } from '../state/router.ts';
import { useSession } from '../state/session.ts';

/** Officials log in with their username and password; the session lives in an httpOnly cookie. */
export function LoginPage() {
  const { t, i18n } = useTranslation();
  const login = useSession((s) => s.login);
  const go = useRouter((s) => s.go);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const failure = await login(username.trim(), password);
    setBusy(false);
    if (failure === null) return;
    switch (failure.code) {
      case 'unauthenticated':
        setError(t('login.wrong'));
        break;
      case 'rate-limited':
        setError(t('login.rateLimited'));
        break;
      default:
        setError(i18n.exists(`errors.${failure.code}`) ? t(`errors.${failure.code}`) : t('errors.fallback'));
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <Brand big />
        <h1 id="login-title">{t('login.title')}</h1>
        <p className="muted">{t('login.intro')}</p>
        <label>
          {t('login.username')}
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
            required
            autoFocus
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
            }}
            required
          />
        </label>
        {error !== null && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <p>
          <a
            href="/console/receipt"
            className="receipt-link"
            onClick={(e) => {
              e.preventDefault();
              go({ page: 'receipt' });
            }}
          >
            {t('receipt.link')}
          </a>
        </p>
        <LanguageChoice onPage />
      </form>
    </main>
  );
}
