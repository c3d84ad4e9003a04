import type { CredentialHash, ElectionDefinition, StationId } from '@scrutin/shared';
import {
  CONSOLE_API as API,
  MAX_CREDENTIALS_PER_REQUEST,
  pathOf,
  refusalOf,
  type BodyOf,
  type ElectionState,
  type Endpoint,
  type PathParams,
} from '@scrutin/shared/api';
import type { z } from 'zod';

/**
 * A client of the officials' API with an admin session (cookie and CSRF token), for the
 * load generator: it sets an election up exactly as an official would, through the
 * endpoints of the contract (@scrutin/shared/api), each answer parsed with its schema.
 */
/** A refusal of the API, with its machine-readable code. */
export class RefusedError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

type Answer<E extends Endpoint> = E['response'] extends z.ZodType ? z.infer<E['response']> : undefined;

export class AdminClient {
  private cookie = '';
  private csrf = '';

  constructor(readonly baseUrl: string) {}

  private async call<E extends Endpoint>(endpoint: E, params: PathParams<E['path']>, body?: BodyOf<E>): Promise<Answer<E>> {
    const path = pathOf(endpoint, params);
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method: endpoint.method,
      headers: { 'content-type': 'application/json', cookie: this.cookie, 'x-csrf-token': this.csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const refused = refusalOf(response.status, json);
      throw new RefusedError(`${endpoint.method} ${path}: ${response.status} ${refused.code} ${refused.message}`, refused.code);
    }
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) this.cookie = setCookie.split(';')[0] ?? '';
    return (endpoint.response === undefined ? undefined : endpoint.response.parse(json)) as Answer<E>;
  }

  async login(username: string, password: string): Promise<void> {
    this.csrf = (await this.call(API.login, {}, { username, password })).csrfToken;
  }

  async loadElection(election: ElectionDefinition): Promise<void> {
    await this.call(API.saveElection, {}, election);
  }

  async election(id: string): Promise<ElectionDefinition> {
    return this.call(API.election, { id });
  }

  async setState(election: string, state: Extract<ElectionState, 'open' | 'closed'>): Promise<void> {
    await this.call(API.changeState, { id: election }, { state });
  }

  async loadCredentials(election: string, entries: readonly { credential: CredentialHash; station: StationId }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += MAX_CREDENTIALS_PER_REQUEST) {
      await this.call(
        API.loadCredentials,
        { id: election },
        { entries: entries.slice(i, i + MAX_CREDENTIALS_PER_REQUEST).map((e) => ({ credentialHash: e.credential, station: e.station })) },
      );
    }
  }

  async enrolmentToken(election: string, station: StationId): Promise<string> {
    return (await this.call(API.enrolmentToken, { id: election, station }, {})).token;
  }
}
