import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ballotStyle,
  openSampleElection,
  unwrap,
  type Ballot,
  type ElectionDefinition,
  type RidingCode,
  type Selection,
  type StationId,
} from '@scrutin/shared';
import { newBallotId } from '@scrutin/shared/crypto';
import { generateStationKeyPair, type ExportPublicKey, type PublicKey } from '@scrutin/shared/protocol';
import { buildKit, generateElectionCredentials, TEST_PIN_COST, type ElectionCredentials, type VoterCard } from '@scrutin/server/testing';
import { FolderDriveSource } from './devices/folder_drives.ts';
import { openStation, type OpenStationOptions, type Station } from './station.ts';
import type { SyncOptions } from './sync_engine.ts';

/**
 * Test fixtures of the station (`@scrutin/desktop/testing`): the sample election with its
 * credentials made by the real generator and station kits built from them (both by the one
 * election fixture of `@scrutin/server/testing`), stations opened in temporary folders, a
 * controllable clock, and ballots cast for a list of cards.
 */
export const FIXTURE_STATION = 'ST-00001' as StationId;
export const OTHER_STATION = 'ST-00004' as StationId;
/** A station of MONTREAL-CENTRE, a ranked-choice (IRV) riding. */
export const IRV_STATION = 'ST-00007' as StationId;
export const POLL_WORKERS = [
  { name: 'Amélie Tremblay', pin: '482915' },
  { name: 'Jordan Gagnon', pin: '730164' },
] as const;
export const GOOD_PIN = POLL_WORKERS[0].pin;
export { TEST_PIN_COST };
/** The private CUPS scheduler with capture queues (devices/cups_server.test-support.ts), for the end-to-end kiosks too. */
export { startPrivateCups, type PrivateCups } from './devices/cups_server.test-support.ts';

export type Card = VoterCard;
export type CredentialsFixture = ElectionCredentials;

const temporary: string[] = [];

export function tempDir(prefix = 'scrutin-station-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function makeCredentials(election: ElectionDefinition): Promise<CredentialsFixture> {
  return generateElectionCredentials(election, { dir: tempDir('scrutin-credentials-') });
}

export interface KitOptions {
  readonly station?: StationId;
  readonly centralUrl?: string;
  readonly centralPublicKey?: PublicKey;
  /** Central's export key, which the station seals its USB exports to (default: a key of no central). */
  readonly centralExportKey?: ExportPublicKey;
  /** false: a kit without a riding index (as kits made before it existed). */
  readonly ridingIndex?: boolean;
  /** Render the audio ballot (espeak-ng), through the test clip cache. */
  readonly audio?: boolean;
}

/**
 * Where tests keep the clips espeak-ng rendered, by clip id, from one run to the next: the
 * same words in the same voice are the same bytes, so a kit with audio costs seconds, not the
 * twenty it takes to render its ~470 clips (each cached clip is checked as a WAV file on use,
 * and a kit lists the SHA-256 of what it holds). shared/src/kit/kit_audio.node.test.ts renders
 * without it.
 */
export const TEST_CLIP_CACHE = join(tmpdir(), 'scrutin-test-clip-cache');

export async function makeKit(credentials: CredentialsFixture, options: KitOptions = {}): Promise<string> {
  return buildKit(credentials, options.station ?? FIXTURE_STATION, {
    outDir: tempDir('scrutin-kit-'),
    centralUrl: options.centralUrl ?? 'https://central.example.org',
    centralPublicKey: options.centralPublicKey ?? generateStationKeyPair().publicKey,
    ...(options.centralExportKey === undefined ? {} : { centralExportKey: options.centralExportKey }),
    pollWorkers: POLL_WORKERS,
    pinCost: TEST_PIN_COST,
    ...(options.ridingIndex === undefined ? {} : { ridingIndex: options.ridingIndex }),
    ...(options.audio === true ? { audio: { cacheDir: TEST_CLIP_CACHE } } : {}),
  });
}

/** A controllable station clock. */
export class TestClock {
  constructor(public value: number) {}
  readonly now = (): number => this.value;
}

/** The sample election open around a fixed instant. */
export const NOW = Date.parse('2026-10-05T15:00:00Z');
export function fixtureElection(): ElectionDefinition {
  return openSampleElection(NOW);
}

/**
 * A station in `dataDir`. Its drive list (for exports) is one empty temporary folder, a
 * FolderDriveSource, unless `extra.drives` says otherwise.
 */
export function openTestStation(
  dataDir: string,
  clock: { readonly now: () => number },
  fetchFn?: typeof fetch,
  sync?: Partial<SyncOptions>,
  extra: Partial<Pick<OpenStationOptions, 'drives' | 'keyProtector' | 'printer' | 'voterSlips' | 'clock'>> = {},
): Station {
  return unwrap(
    openStation({
      dataDir,
      now: clock.now,
      drives: new FolderDriveSource([tempDir('scrutin-usb-')]),
      ...extra,
      ...(fetchFn === undefined ? {} : { fetch: fetchFn }),
      ...(sync === undefined ? {} : { sync }),
    }),
  );
}

/** A station with its kit loaded and its polls open. */
export async function openPollsStation(credentials: CredentialsFixture, clock: TestClock, options: KitOptions = {}): Promise<Station> {
  const station = openTestStation(tempDir(), clock);
  unwrap(await station.loadKit({ path: await makeKit(credentials, options) }));
  unwrap(await station.openPolls({ pin: GOOD_PIN }));
  return station;
}

/** A valid ballot for `riding`, its choices varied by `i` (some blank), so tallies are not trivial. */
export function ballotFor(election: ElectionDefinition, riding: RidingCode, i: number): Ballot {
  const selections = ballotStyle(election, riding).map((c): Selection => {
    if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: i % 5 === 4 ? null : i % 3 === 0 ? 'non' : 'oui' };
    const pick = c.candidates[i % c.candidates.length];
    if (c.method === 'irv') {
      const second = c.candidates[(i + 1) % c.candidates.length];
      return {
        kind: 'ranked',
        contest: c.id,
        ranking: i % 7 === 6 || pick === undefined ? [] : second === undefined || second.id === pick.id ? [pick.id] : [pick.id, second.id],
      };
    }
    return { kind: 'plurality', contest: c.id, choice: i % 7 === 6 || pick === undefined ? null : pick.id };
  });
  return { id: newBallotId(), election: election.id, riding, selections };
}

/** Checks in and casts one ballot per card; returns the receipts. */
export async function castFor(station: Station, election: ElectionDefinition, cards: readonly Card[], offset = 0): Promise<string[]> {
  const receipts: string[] = [];
  for (const [i, card] of cards.entries()) {
    const { ticket, riding } = unwrap(await station.checkIn(card));
    receipts.push(unwrap(await station.cast({ ticket, ballot: ballotFor(election, riding, offset + i) })).receipt);
  }
  return receipts;
}
