import { ok, StationIdSchema } from '@scrutin/shared';
import type { CastOutcome } from '../../api/station_api.ts';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeStation, GOOD_CARD, type FakeStation } from '../../api/fake_station.test-support.ts';
import { setStationApi } from '../backend/api.ts';
import { useStationStore } from './station_store.ts';
import { cleanField, useVoterStore } from './voter_store.ts';

/** One voter's visit, through the store the screens use, against a fake station. */
let station: FakeStation;
const voter = () => useVoterStore.getState();

async function checkIn(): Promise<void> {
  voter().start();
  voter().setValue('nas', GOOD_CARD.nas);
  voter().setValue('code', GOOD_CARD.code);
  await voter().submitCard();
}

beforeEach(async () => {
  station = fakeStation();
  setStationApi(station);
  await useStationStore.getState().refresh();
  voter().reset();
});

describe('the voter card', () => {
  it('keeps to the characters a card can have, as the backend reads them', () => {
    expect(cleanField('nas', '046-454 286x1')).toBe('046454286');
    expect(cleanField('code', 'abcd-efgh-jkmn-p0il')).toBe('ABCDEFGHJKMNP');
    expect(cleanField('code', 'oIl')).toBe('011');
  });

  it('moves to the code once the NAS is complete', () => {
    voter().start();
    for (const d of '046454286') voter().pressKey(d);
    expect(voter().field).toBe('code');
    voter().pressKey('a');
    expect(voter().code).toBe('A');
    voter().backspace();
    voter().backspace();
    expect(voter()).toMatchObject({ field: 'nas', nas: '04645428', code: '' });
  });

  it('says which station a card of another station belongs to', async () => {
    station.failNextCheckIn({
      kind: 'other-station',
      station: StationIdSchema.parse('ST-00002'),
      stationName: { fr: 'Abitibi-Ouest — bureau 2', en: 'Abitibi-Ouest — station 2' },
    });
    await checkIn();
    expect(voter().cardProblem).toEqual({
      kind: 'other-station',
      station: 'ST-00002',
      stationName: { fr: 'Abitibi-Ouest — bureau 2', en: 'Abitibi-Ouest — station 2' },
    });
    expect(voter().phase).toBe('card');
  });

  it('points at the field with the typo', async () => {
    station.failNextCheckIn({ kind: 'code-invalid', problem: { kind: 'check-failed' } });
    await checkIn();
    expect(voter().cardProblem).toEqual({ kind: 'typo', field: 'code', detail: null });
    expect(voter().field).toBe('code');
  });

  it('forgets the card as soon as it is checked in', async () => {
    await checkIn();
    expect(voter()).toMatchObject({ phase: 'ballot', nas: '', code: '', index: 0 });
    expect(voter().choices.map((c) => c.kind)).toEqual(['referendum', 'plurality']);
  });
});

describe('the ballot', () => {
  it('casts every contest, blank where nothing was chosen, then keeps only the receipt', async () => {
    await checkIn();
    voter().chooseReferendum('oui');
    voter().next();
    voter().next();
    expect(voter().phase).toBe('review');
    await voter().cast();
    expect(station.ballots).toHaveLength(1);
    expect(station.ballots[0]).toMatchObject({
      election: 'qc-demo-2026',
      riding: 'ABITIBI-OUEST',
      selections: [
        { kind: 'referendum', contest: 'L2025-001', choice: 'oui' },
        { kind: 'plurality', contest: 'DEP-ABITIBI-OUEST', choice: null },
      ],
    });
    const after = voter();
    expect(after).toMatchObject({
      phase: 'receipt',
      receipt: 'W50BT-YEX2J',
      ticket: null,
      riding: null,
      contests: [],
      choices: [],
      nas: '',
      code: '',
    });
  });

  it('toggles a choice off when it is tapped again, and clears a contest', async () => {
    await checkIn();
    voter().chooseReferendum('non');
    voter().chooseReferendum('non');
    expect(voter().choices[0]).toEqual({ kind: 'referendum', choice: null });
    voter().chooseReferendum('oui');
    voter().clearContest();
    expect(voter().choices[0]).toEqual({ kind: 'referendum', choice: null });
  });

  it('comes back to the review after changing a contest from it', async () => {
    await checkIn();
    voter().next();
    voter().next();
    voter().edit(0);
    expect(voter()).toMatchObject({ phase: 'ballot', index: 0, fromReview: true });
    voter().next();
    expect(voter().phase).toBe('review');
  });

  it('leaves nothing of the voter after a reset (timeout, quit or done)', async () => {
    await checkIn();
    voter().chooseReferendum('oui');
    voter().reset();
    expect(voter()).toMatchObject({
      phase: 'welcome',
      ticket: null,
      riding: null,
      contests: [],
      choices: [],
      receipt: null,
      nas: '',
      code: '',
      cardProblem: null,
      castProblem: null,
    });
  });

  it('tells the voter when the check-in is no longer valid', async () => {
    await checkIn();
    // The station forgot the ticket (restarted): cast is refused, nothing stored.
    useVoterStore.setState({ ticket: 'cd'.repeat(16) });
    voter().next();
    voter().next();
    await voter().cast();
    expect(voter().castProblem).toEqual({ kind: 'expired' });
    expect(station.ballots).toEqual([]);
  });
});

describe('an interrupted cast', () => {
  /**
   * The station as a kiosk meets it when the answer to `cast` never comes back (the backend
   * crashed or the link dropped): `stored` says whether the ballot got in before that.
   */
  function interrupting(stored: boolean, outcome: CastOutcome) {
    const calls: string[] = [];
    let interrupted = false;
    setStationApi({
      ...station,
      cast(args) {
        calls.push('cast');
        if (interrupted) return station.cast(args);
        interrupted = true;
        if (stored) void station.cast(args);
        return Promise.reject(new Error('the link to the station dropped'));
      },
      castOutcome() {
        calls.push('castOutcome');
        return Promise.resolve(ok(outcome));
      },
    });
    return calls;
  }

  async function toReview(): Promise<void> {
    await checkIn();
    voter().chooseReferendum('oui');
    voter().next();
    voter().next();
  }

  it('shows the receipt as soon as the station is back, when the ballot was stored', async () => {
    await toReview();
    const calls = interrupting(true, { outcome: 'stored', receipt: 'W50B-TYEX-2J00' });
    await voter().cast();
    expect(voter()).toMatchObject({ phase: 'review', castProblem: { kind: 'unavailable' }, castInterrupted: true });
    useStationStore.getState().setConnected(false);
    useStationStore.getState().setConnected(true);
    await vi.waitFor(() => {
      expect(voter()).toMatchObject({ phase: 'receipt', receipt: 'W50B-TYEX-2J00', ticket: null, choices: [] });
    });
    // Never a second cast: one ballot in the box.
    expect(calls).toEqual(['cast', 'castOutcome']);
    expect(station.ballots).toHaveLength(1);
  });

  it('asks before casting again, and casts again with the same ticket when nothing was stored', async () => {
    await toReview();
    const calls = interrupting(false, { outcome: 'not-stored', retry: 'cast-again' });
    await voter().cast();
    expect(voter().castProblem).toEqual({ kind: 'unavailable' });
    await voter().cast();
    expect(calls).toEqual(['cast', 'castOutcome', 'cast']);
    expect(voter()).toMatchObject({ phase: 'receipt', receipt: 'W50BT-YEX2J' });
    expect(station.ballots).toHaveLength(1);
  });

  it('sends the voter back to check in when the station lost the ticket and stored nothing', async () => {
    await toReview();
    const calls = interrupting(false, { outcome: 'not-stored', retry: 'check-in-again' });
    await voter().cast();
    await voter().cast();
    expect(calls).toEqual(['cast', 'castOutcome']);
    expect(voter()).toMatchObject({ castProblem: { kind: 'expired' }, castInterrupted: false });
    expect(station.ballots).toEqual([]);
  });
});
