import { create } from 'zustand';
import { call, onSessionExpired, setCsrfToken, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, type Session } from '@scrutin/shared/api';

/** The official's session: restored from the cookie at start (GET /auth/me), or opened by login. */
interface SessionState {
  readonly session: Session | null;
  readonly checked: boolean;
  readonly restore: () => Promise<void>;
  readonly login: (username: string, password: string) => Promise<ApiFailure | null>;
  readonly logout: () => Promise<void>;
}

export const useSession = create<SessionState>()((set) => ({
  session: null,
  checked: false,
  restore: async () => {
    const me = await call(API.me, {});
    if (me.ok) setCsrfToken(me.value.csrfToken);
    set({ session: me.ok ? me.value : null, checked: true });
  },
  login: async (username, password) => {
    const result = await call(API.login, {}, { body: { username, password } });
    if (!result.ok) return result.error;
    setCsrfToken(result.value.csrfToken);
    set({ session: result.value, checked: true });
    return null;
  },
  logout: async () => {
    await call(API.logout, {});
    setCsrfToken('');
    set({ session: null });
  },
}));

onSessionExpired(() => {
  useSession.setState({ session: null });
});
