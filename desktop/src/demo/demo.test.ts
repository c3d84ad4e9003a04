import { unwrap, type Contest } from '@scrutin/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { stationApiOver } from '../api/station_client.ts';
import { webSocketTransport } from '../api/ws_transport.ts';
import { startKioskDemo, type KioskDemo } from './demo.ts';

/** `npm start`, smoke-tested: start, vote once through a kiosk's host API, see it counted, stop. */
let demo: KioskDemo;

beforeAll(async () => {
  demo = await startKioskDemo({ centralPort: 0, kioskPort: 0 });
}, 120_000);

afterAll(async () => {
  await demo.stop();
});

function selectionFor(contest: Contest) {
  if (contest.kind === 'referendum') return { kind: 'referendum', contest: contest.id, choice: 'oui' } as const;
  const first = contest.candidates[0]?.id ?? null;
  return contest.method === 'irv'
    ? ({ kind: 'ranked', contest: contest.id, ranking: first === null ? [] : [first] } as const)
    : ({ kind: 'plurality', contest: contest.id, choice: first } as const);
}

describe('npm start', () => {
  it('opens two enrolled stations with their polls open, with printed cards', async () => {
    expect(demo.central.ctx.services.mode).toBe('embedded');
    expect(demo.stations.map((s) => s.station)).toEqual(['ST-00001', 'ST-00007']);
    for (const s of demo.stations) {
      const status = unwrap(await s.backend.status({}));
      expect(status).toMatchObject({ polls: 'open', kit: { station: s.station } });
      expect(status.enrolledAt).not.toBeNull();
      expect(s.cards.length).toBeGreaterThan(0);
      expect((await fetch(s.host.url)).status).toBe(200);
    }
  });

  it('takes a vote through a kiosk and shows it in the central results', async () => {
    const [kiosk] = demo.stations;
    if (kiosk === undefined) throw new Error('no kiosk');
    const [card] = kiosk.cards;
    if (card === undefined) throw new Error('no card');
    const transport = webSocketTransport((handlers) => {
      const socket = new WebSocket(`ws://127.0.0.1:${kiosk.host.port}/api`, { origin: `http://127.0.0.1:${kiosk.host.port}` });
      socket.on('open', handlers.onOpen);
      socket.on('message', (data: Buffer) => {
        handlers.onMessage(data.toString('utf8'));
      });
      socket.on('close', handlers.onClose);
      return socket;
    });
    const api = stationApiOver(transport);
    const status = unwrap(await api.status({}));
    const checkIn = unwrap(await api.checkIn(card));
    const ballot = {
      id: '0'.repeat(32),
      election: status.kit?.election,
      riding: checkIn.riding,
      selections: checkIn.contests.map(selectionFor),
    };
    const receipt = unwrap(await api.cast({ ticket: checkIn.ticket, ballot })).receipt;
    expect(receipt).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    transport.close();

    const counted = async () =>
      ((await (await fetch(`${demo.central.url}/api/v1/elections/qc-demo-2026/results`)).json()) as { turnout: { ballots: number } })
        .turnout.ballots;
    await expect.poll(counted, { timeout: 30_000 }).toBe(1);
  }, 60_000);
});
