import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson, unwrap, type StationId } from '@scrutin/shared';
import type { Central } from '@scrutin/server';
import type { Station, SyncOptions } from '@scrutin/desktop';
import { GOOD_PIN, makeKit, openTestStation, tempDir, type CredentialsFixture } from '@scrutin/desktop/testing';
import { enrolmentToken, openElection, startTestCentral, type TestCentral } from '@scrutin/server/testing';

/**
 * A real central server (Postgres, Redis, RabbitMQ, the validator) holding the fixture
 * election and every credential of its credentials run, for station sync tests.
 */
export async function startCentralFor(credentials: CredentialsFixture): Promise<TestCentral> {
  const central = await startTestCentral({ withValidator: true });
  await loadElectionInto(central.central, credentials);
  return central;
}

/** Loads the fixture election into `central`, opens it, and loads every credential of its credentials run. */
export async function loadElectionInto(central: Central, credentials: CredentialsFixture): Promise<void> {
  await openElection(central, credentials.election, credentials);
}

/** A station with its kit for `central`, enrolled, its polls open. */
export async function enrolledStation(
  central: TestCentral,
  credentials: CredentialsFixture,
  station: StationId,
  clock: { readonly now: () => number },
  options: {
    readonly fetch?: typeof fetch;
    readonly sync?: Partial<SyncOptions>;
    readonly dataDir?: string;
    readonly centralUrl?: string;
  } = {},
): Promise<Station> {
  const dataDir = options.dataDir ?? tempDir();
  const api = openTestStation(dataDir, clock, options.fetch, { autoSync: false, ...options.sync });
  unwrap(
    await api.loadKit({
      path: await makeKit(credentials, {
        station,
        centralUrl: options.centralUrl ?? central.central.url,
        centralPublicKey: central.central.ctx.centralKey.publicKey,
      }),
    }),
  );
  unwrap(await api.enrol({ token: await enrolmentToken(central.central, credentials.election.id, station), pin: GOOD_PIN }));
  unwrap(await api.openPolls({ pin: GOOD_PIN }));
  return api;
}

/**
 * Waits until central has processed every batch of `station` holding at least `count`
 * ballots (the validator is asynchronous), then returns the ids of the ballots central
 * counted for `riding`, without dashes (the station's form).
 */
export async function centralBallots(
  central: TestCentral,
  station: StationId,
  riding: string,
  count: number,
  timeoutMs = 60_000,
): Promise<string[]> {
  const { db } = central.central.ctx.services;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ pending: string; ballots: string }>(
      `SELECT (SELECT count(*) FROM batches WHERE station_id = $1 AND status <> 'processed')::text AS pending,
              (SELECT coalesce(sum(envelope_count), 0) FROM batches WHERE station_id = $1)::text AS ballots`,
      [station],
    );
    if (rows[0]?.pending === '0' && Number(rows[0].ballots) >= count) break;
    await sleep(100);
  }
  // Ballots carry central's own ids: what a station and central share is the choices.
  const { rows } = await db.query<{ s: string }>('SELECT selections::text AS s FROM ballots WHERE riding = $1', [riding]);
  return rows.map((r) => canonicalJson(JSON.parse(r.s)));
}
