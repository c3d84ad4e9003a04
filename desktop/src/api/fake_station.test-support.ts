import { ballotStyle, err, modeOf, ok, sampleElection, StationIdSchema, type ElectionDefinition } from '@scrutin/shared';
import { stationError } from '../station/messages.ts';
import {
  stationCalls,
  type KitSummary,
  type StationApi,
  type StationEvent,
  type StationProblem,
  type StationStatus,
  type SyncProgress,
} from './station_api.ts';

/**
 * A StationApi for tests of the UI side and of the transports: the sample election at
 * ST-00001, one good card, scripted problems, and a record of every cast ballot. A method it
 * does not script (one just added to the table) rejects, saying so.
 */
export const GOOD_CARD = { nas: '046 454 286', code: 'ABCD-EFGH-JKMN-P' } as const;

export interface FakeStation extends StationApi {
  readonly cast: StationApi['cast'];
  readonly ballots: unknown[];
  readonly election: ElectionDefinition;
  emit(event: StationEvent): void;
  /** The next checkIn fails with this problem. */
  failNextCheckIn(problem: StationProblem): void;
}

export function fakeStation(): FakeStation {
  const election = sampleElection();
  const station = StationIdSchema.parse('ST-00001');
  const info = election.stations.find((s) => s.id === station);
  const riding = election.ridings.find((r) => r.code === info?.riding);
  if (info === undefined || riding === undefined) throw new Error('the sample election has no ST-00001');
  const kit: KitSummary = {
    election: election.id,
    mode: modeOf(election),
    station,
    riding: riding.code,
    voters: 200,
    pollWorkers: 2,
    workers: ['Amélie Tremblay', 'Jordan Gagnon'],
    electionName: election.name,
    stationName: info.name,
    ridingName: riding.name,
    parties: election.parties,
    opensAt: election.opensAt,
    closesAt: election.closesAt,
    receiptUrl: 'https://central.example.org/console/receipt',
  };
  const sync: SyncProgress = {
    state: 'idle',
    pendingBallots: 0,
    syncedBallots: 0,
    batchesSynced: 0,
    lastSyncAt: null,
    nextAttemptAt: null,
    lastError: null,
  };
  const listeners = new Set<(event: StationEvent) => void>();
  const ballots: unknown[] = [];
  const tickets = new Set<string>();
  let nextProblem: StationProblem | undefined;
  let checkedIn = 0;
  const status = (): StationStatus => ({
    kit,
    publicKey: null,
    enrolledAt: '2026-10-05T08:00:00Z',
    polls: 'open',
    withinVotingWindow: true,
    votersCheckedIn: checkedIn,
    ballotsCast: ballots.length,
    pendingSync: ballots.length,
    pinLockedUntil: null,
    sync,
    clockSkewMs: 0,
    pendingPrints: [],
  });
  const refused = (problem: StationProblem) => Promise.resolve(err(stationError(problem)));
  return {
    ...stationCalls((method) => () => Promise.reject(new Error(`the fake station does not script ${method}`))),
    election,
    ballots,
    emit(event) {
      for (const l of listeners) l(event);
    },
    failNextCheckIn(problem) {
      nextProblem = problem;
    },
    status: () => Promise.resolve(ok(status())),
    loadKit: () => Promise.resolve(ok(kit)),
    enrol: () => refused({ kind: 'central-unreachable', detail: 'fake' }),
    unlock: ({ pin }) =>
      pin === '482915' ? Promise.resolve(ok({ worker: 'Amélie Tremblay' })) : refused({ kind: 'pin-wrong', attemptsLeft: 4 }),
    openPolls: () => refused({ kind: 'invalid-transition', from: 'open', to: 'open' }),
    closePolls: () => Promise.resolve(ok({ state: 'closed' })),
    checkIn({ nas, code }) {
      const problem = nextProblem;
      nextProblem = undefined;
      if (problem !== undefined) return refused(problem);
      if (nas.replace(/\D/g, '') !== GOOD_CARD.nas.replace(/\D/g, '') || code.replace(/-/g, '') !== GOOD_CARD.code.replace(/-/g, ''))
        return refused({ kind: 'unknown-credential' });
      const ticket = 'ab'.repeat(16);
      tickets.add(ticket);
      checkedIn += 1;
      return Promise.resolve(ok({ ticket, riding: riding.code, contests: [...ballotStyle(election, riding.code)] }));
    },
    cast({ ticket, ballot }) {
      if (!tickets.delete(ticket)) return refused({ kind: 'unknown-ticket' });
      ballots.push(ballot);
      return Promise.resolve(ok({ receipt: 'W50BT-YEX2J' }));
    },
    syncNow: () => Promise.resolve(ok(sync)),
    checkConnection: () =>
      Promise.resolve(
        ok({
          reachable: true,
          centralTime: '2026-10-05T15:00:00Z',
          clockSkewMs: 0,
          clockWarning: false,
          enrolled: true,
          lastAcknowledgedSequence: null,
        }),
      ),
    exportBatches: () => refused({ kind: 'export-failed', detail: 'fake' }),
    closingReport: () => refused({ kind: 'polls-not-closed', state: 'open' }),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
