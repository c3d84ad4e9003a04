import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, issuesOf, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, ROLES, RoleSchema, type Role } from '@scrutin/shared/api';
import { formatDateTime } from '../components/format.ts';
import { FailureView, PageHeader } from '../components/ui.tsx';
import { useApi } from '../components/use_api.ts';
import { useSession } from '../state/session.ts';

/** Officials' accounts: create one with a role, change a role, clear failed logins, disable or enable one. */
export function OfficialsPage() {
  const { t } = useTranslation();
  const me = useSession((s) => s.session?.username);
  const list = useApi('officials', () => call(API.officials, {}));
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [form, setForm] = useState<{ username: string; password: string; role: Role }>({ username: '', password: '', role: 'observer' });
  const create = async () => {
    const result = await call(API.createOfficial, {}, { body: form });
    if (result.ok) {
      setFailure(null);
      setForm({ username: '', password: '', role: 'observer' });
      await list.reload();
    } else setFailure(result.error);
  };
  const setRole = async (username: string, role: Role) => {
    const result = await call(API.changeRole, { username }, { body: { role } });
    setFailure(result.ok ? null : result.error);
    await list.reload();
  };
  const setDisabled = async (username: string, disable: boolean) => {
    if (disable && !window.confirm(t('officials.confirmDisable', { username }))) return;
    const result = await call(disable ? API.disableOfficial : API.enableOfficial, { username });
    setFailure(result.ok ? null : result.error);
    await list.reload();
  };
  const unlock = async (username: string) => {
    const result = await call(API.unlock, { username });
    setFailure(result.ok ? null : result.error);
    await list.reload();
  };
  return (
    <div className="page" data-testid="officials">
      <PageHeader title={t('pages.officials')} subtitle={t('officials.subtitle')} />
      {failure !== null && <FailureView failure={failure} issues={issuesOf(failure)} />}
      <section className="panel">
        <table className="table" data-testid="officials-table">
          <thead>
            <tr>
              <th scope="col">{t('officials.username')}</th>
              <th scope="col">{t('officials.role')}</th>
              <th scope="col">{t('officials.created')}</th>
              <th scope="col">{t('officials.status')}</th>
              <th scope="col">{t('table.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.officials.map((o) => (
              <tr key={o.username} data-official={o.username}>
                <td>
                  <strong>{o.username}</strong> {o.username === me && <span className="badge info">{t('officials.you')}</span>}
                </td>
                <td>
                  <select
                    aria-label={t('officials.roleOf', { username: o.username })}
                    value={o.role}
                    disabled={o.username === me}
                    onChange={(e) => {
                      const role = RoleSchema.safeParse(e.target.value);
                      if (role.success) void setRole(o.username, role.data);
                    }}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`roles.${r}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="small">{formatDateTime(o.createdAt)}</td>
                <td>
                  {o.disabledAt !== null ? (
                    <span className="badge bad">{t('officials.disabled', { since: formatDateTime(o.disabledAt) })}</span>
                  ) : o.lockedUntil !== null ? (
                    <span className="badge bad">{t('officials.locked', { until: formatDateTime(o.lockedUntil) })}</span>
                  ) : o.failedLogins > 0 ? (
                    <span className="badge warn">{t('officials.failures', { count: o.failedLogins })}</span>
                  ) : (
                    <span className="badge good">{t('officials.active')}</span>
                  )}
                </td>
                <td>
                  {(o.lockedUntil !== null || o.failedLogins > 0) && (
                    <button type="button" className="ghost small" onClick={() => void unlock(o.username)}>
                      {t('officials.unlock')}
                    </button>
                  )}
                  {o.username !== me && (
                    <button
                      type="button"
                      className="ghost small"
                      data-testid={`official-${o.disabledAt === null ? 'disable' : 'enable'}`}
                      onClick={() => void setDisabled(o.username, o.disabledAt === null)}
                    >
                      {t(o.disabledAt === null ? 'officials.disable' : 'officials.enable')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-labelledby="new-official">
        <h2 id="new-official">{t('officials.create')}</h2>
        <form
          className="form-row"
          aria-labelledby="new-official"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label className="field">
            <span>{t('officials.username')}</span>
            <input
              value={form.username}
              autoComplete="off"
              onChange={(e) => {
                setForm({ ...form, username: e.target.value });
              }}
              required
            />
          </label>
          <label className="field">
            <span>{t('officials.password')}</span>
            <input
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => {
                setForm({ ...form, password: e.target.value });
              }}
              required
            />
          </label>
          <label className="field">
            <span>{t('officials.role')}</span>
            <select
              value={form.role}
              onChange={(e) => {
                const role = RoleSchema.safeParse(e.target.value);
                if (role.success) setForm({ ...form, role: role.data });
              }}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary">
            {t('officials.createButton')}
          </button>
        </form>
        <p className="muted small">{t('officials.passwordRule')}</p>
      </section>
    </div>
  );
}
