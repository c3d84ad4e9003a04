import type { CredentialHash, ElectionDefinition, StationId } from '@scrutin/shared/node';

/**
 * A client of the officials' API with an admin session (cookie and CSRF token), for the
 * load generator: it sets an election up exactly as an official would.
 */
export class AdminClient {
  private cookie = '';
  private csrf = '';

  constructor(readonly baseUrl: string) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie: this.cookie, 'x-csrf-token': this.csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.error?.code ?? ''} ${json.error?.message ?? ''}`);
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) this.cookie = setCookie.split(';')[0] ?? '';
    return json;
  }

  async login(username: string, password: string): Promise<void> {
    const session = await this.call<{ csrfToken: string }>('POST', '/auth/login', { username, password });
    this.csrf = session.csrfToken;
  }

  async loadElection(election: ElectionDefinition): Promise<void> {
    await this.call('POST', '/admin/elections', election);
  }

  async setState(election: string, state: 'open' | 'closed'): Promise<void> {
    await this.call('POST', `/admin/elections/${election}/state`, { state });
  }

  async loadCredentials(election: string, entries: readonly { credential: CredentialHash; station: StationId }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 50_000) {
      await this.call('POST', `/admin/elections/${election}/credentials`, {
        entries: entries.slice(i, i + 50_000).map((e) => ({ credentialHash: e.credential, station: e.station })),
      });
    }
  }

  async enrolmentToken(election: string, station: StationId): Promise<string> {
    return (await this.call<{ token: string }>('POST', `/admin/elections/${election}/stations/${station}/enrolment-token`, {})).token;
  }
}
