import { ok, unwrap } from '@scrutin/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeStation, GOOD_CARD, type FakeStation } from './fake_station.test-support.ts';
import { stationFrameLoop, type FrameLoop } from './frame_loop.ts';
import { STATION_METHOD_NAMES, type StationEvent } from './station_api.ts';
import { stationApiOver } from './station_client.ts';
import { HostFrameSchema, type HostFrame } from './station_protocol.ts';

/**
 * The host side of the wire, as both hosts run it (here without a socket: frames in, frames
 * out), and the client built from the same method table on the other side.
 */
let loop: FrameLoop | undefined;

afterEach(() => {
  loop?.close();
  loop = undefined;
  vi.restoreAllMocks();
});

/** Runs one frame through a loop over `station`; the frames sent back to that client. */
async function answer(station: FakeStation, raw: unknown): Promise<HostFrame[]> {
  loop = stationFrameLoop(station, () => undefined);
  const replies: HostFrame[] = [];
  await loop.receive(raw, (frame) => replies.push(frame));
  for (const frame of replies) HostFrameSchema.parse(frame);
  return replies;
}

describe('the frame loop', () => {
  it('answers a call with the Result of the station, under the call id', async () => {
    const replies = await answer(fakeStation(), { id: 3, call: { method: 'unlock', args: { pin: '482915' } } });
    expect(replies).toEqual([{ type: 'reply', id: 3, reply: { ok: true, value: { worker: 'Amélie Tremblay' } } }]);
    const refused = await answer(fakeStation(), { id: 4, call: { method: 'unlock', args: { pin: '000000' } } });
    expect(refused).toMatchObject([{ type: 'reply', id: 4, reply: { ok: false, error: { kind: 'pin-wrong', attemptsLeft: 4 } } }]);
  });

  it('refuses a frame that is not a call, or arguments outside the schema, without calling the station', async () => {
    const station = fakeStation();
    const cast = vi.spyOn(station, 'cast');
    expect(await answer(station, { id: 1, call: { method: 'dropTables', args: {} } })).toMatchObject([{ type: 'fault', id: null }]);
    expect(await answer(station, { id: 1, call: { method: 'toString', args: {} } })).toMatchObject([{ type: 'fault', id: null }]);
    expect(await answer(station, 'cast')).toMatchObject([{ type: 'fault', id: null }]);
    const extra = await answer(station, { id: 2, call: { method: 'cast', args: { ticket: 'x', ballot: {}, extra: true } } });
    expect(extra).toMatchObject([{ type: 'fault', id: 2, message: expect.stringMatching(/^refused call/) as unknown }]);
    const long = await answer(station, { id: 5, call: { method: 'cast', args: { ticket: 'x'.repeat(10_000), ballot: {} } } });
    expect(long).toMatchObject([{ type: 'fault', id: 5 }]);
    expect(cast).not.toHaveBeenCalled();
    expect(station.ballots).toEqual([]);
  });

  it('turns an answer outside the protocol into a fault, logged, that says nothing of the answer', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const leaky: FakeStation = { ...fakeStation(), checkConnection: () => Promise.resolve(ok({ reachable: 'yes' } as never)) };
    const replies = await answer(leaky, { id: 9, call: { method: 'checkConnection', args: {} } });
    expect(replies).toMatchObject([{ type: 'fault', id: 9, message: expect.stringMatching(/does not follow the protocol/) as unknown }]);
    expect(JSON.stringify(replies)).not.toContain('yes');
    expect(error).toHaveBeenCalledOnce();
  });

  it('turns a bug in the backend into a fault for that call, and keeps answering', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const buggy: FakeStation = { ...fakeStation(), syncNow: () => Promise.reject(new Error('boom')) };
    expect(await answer(buggy, { id: 6, call: { method: 'syncNow', args: {} } })).toEqual([
      { type: 'fault', id: 6, message: 'the station backend failed on syncNow' },
    ]);
    expect(error).toHaveBeenCalledWith('station syncNow failed', expect.any(Error));
    expect(await answer(buggy, { id: 7, call: { method: 'status', args: {} } })).toMatchObject([{ type: 'reply', id: 7 }]);
  });

  it('relays the events that follow the protocol to every client, until closed', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const station = fakeStation();
    const sent: HostFrame[] = [];
    loop = stationFrameLoop(station, (frame) => sent.push(frame));
    station.emit({ kind: 'polls-changed', state: 'closed' });
    station.emit({ kind: 'polls-changed', state: 'ajar' } as unknown as StationEvent);
    expect(sent).toEqual([{ type: 'event', event: { kind: 'polls-changed', state: 'closed' } }]);
    expect(error).toHaveBeenCalledOnce();
    loop.close();
    station.emit({ kind: 'pin-lockout', until: '2026-10-05T15:00:00Z' });
    expect(sent).toHaveLength(1);
  });
});

describe('the client and the host, both derived from the method table', () => {
  it('gives the client one function per method of the table, each sending its own name and parsing its own answer', async () => {
    const sent: unknown[] = [];
    const refusal = { ok: false, error: { kind: 'no-kit', message: { fr: 'Aucune trousse', en: 'No kit' } } };
    const api = stationApiOver({
      call: (call) => {
        sent.push(call);
        return Promise.resolve(refusal);
      },
      listen: () => () => undefined,
    });
    for (const method of STATION_METHOD_NAMES) {
      const call = api[method] as (args: unknown) => Promise<unknown>;
      expect(await call({ any: 'args' }), method).toEqual(refusal);
    }
    expect(sent).toEqual(STATION_METHOD_NAMES.map((method) => ({ method, args: { any: 'args' } })));
    expect(Object.keys(api).sort()).toEqual([...STATION_METHOD_NAMES, 'subscribe'].sort());
  });

  it('carries calls, answers and events between them as frames', async () => {
    const station = fakeStation();
    const listeners = new Set<(raw: unknown) => void>();
    const host = stationFrameLoop(station, (frame) => {
      if (frame.type === 'event') for (const l of listeners) l(frame.event);
    });
    loop = host;
    let nextId = 1;
    const api = stationApiOver({
      // What Electron's main and the WebSocket carry, without the bytes: a numbered frame, its reply.
      call: async (call) => {
        const id = nextId++;
        let reply: HostFrame | undefined;
        await host.receive({ id, call }, (frame) => (reply = frame));
        if (reply?.type !== 'reply' || reply.id !== id) throw new Error(`no reply: ${JSON.stringify(reply)}`);
        return reply.reply;
      },
      listen(onEvent) {
        listeners.add(onEvent);
        return () => listeners.delete(onEvent);
      },
    });
    expect(unwrap(await api.status({})).kit?.station).toBe('ST-00001');
    const ticket = unwrap(await api.checkIn(GOOD_CARD)).ticket;
    expect(unwrap(await api.cast({ ticket, ballot: { any: 'json' } })).receipt).toBe('W50BT-YEX2J');
    expect(station.ballots).toEqual([{ any: 'json' }]);
    const again = await api.cast({ ticket, ballot: {} });
    expect(again.ok ? undefined : again.error.kind).toBe('unknown-ticket');
    const events: StationEvent[] = [];
    api.subscribe((event) => events.push(event));
    station.emit({ kind: 'clock-warning', skewMs: 90_000 });
    expect(events).toEqual([{ kind: 'clock-warning', skewMs: 90_000 }]);
  });
});
