import { create } from 'zustand';
import { call, urlOf, API as API_ROOT } from '../api/client.ts';
import { CONSOLE_API as API, ResultsSchema, type Results } from '@scrutin/shared/api';

/**
 * Live results of the election in view, pushed by the server over SSE
 * (GET /api/v1/elections/:id/events: one aggregated update when a batch commits, at most
 * once a second). Updates are applied at most once every APPLY_MS, whatever arrives, so a
 * wall screen stays smooth during the post-closing burst.
 */
export const APPLY_MS = 1000;

export type LinkState = 'connecting' | 'live' | 'reconnecting';

interface LiveState {
  readonly election: string | null;
  readonly results: Results | null;
  readonly receivedAt: Date | null;
  readonly link: LinkState;
  readonly updates: number;
  /** While the results are embargoed for this session (docs/threat-model.md): when they become public. */
  readonly embargoedUntil: string | null;
  readonly watch: (election: string | null) => void;
}

let source: EventSource | null = null;
let pending: Results | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let lastApplied = 0;

export const useLive = create<LiveState>()((set, get) => {
  const apply = () => {
    timer = null;
    if (pending === null) return;
    lastApplied = Date.now();
    set({ results: pending, receivedAt: new Date(), updates: get().updates + 1 });
    pending = null;
  };
  const offer = (results: Results) => {
    pending = results;
    if (timer !== null) return;
    timer = setTimeout(apply, Math.max(0, lastApplied + APPLY_MS - Date.now()));
  };
  return {
    election: null,
    results: null,
    receivedAt: null,
    link: 'connecting',
    updates: 0,
    embargoedUntil: null,
    watch: (election) => {
      if (election === get().election) return;
      source?.close();
      source = null;
      pending = null;
      set({ election, results: null, receivedAt: null, link: 'connecting', embargoedUntil: null });
      if (election === null) return;
      // A first answer at once, then the stream.
      void call(API.results, { id: election }).then((r) => {
        if (get().election !== election) return;
        if (r.ok) {
          if (get().results === null) offer(r.value);
        } else if (r.error.code === 'not-yet-public') {
          // Embargoed until the polls close: no stream either (the server refuses it too).
          const closesAt = (r.error.details as { closesAt?: unknown } | undefined)?.closesAt;
          source?.close();
          source = null;
          set({ embargoedUntil: typeof closesAt === 'string' ? closesAt : '' });
        }
      });
      const es = new EventSource(`${API_ROOT}${urlOf(API.events, { id: election })}`);
      source = es;
      es.addEventListener('open', () => {
        set({ link: 'live' });
      });
      es.addEventListener('error', () => {
        set({ link: 'reconnecting' });
      });
      es.addEventListener('results', (event) => {
        const data: unknown = JSON.parse((event as MessageEvent<string>).data);
        const parsed = ResultsSchema.safeParse(data);
        if (parsed.success && get().election === election) {
          set({ link: 'live' });
          offer(parsed.data);
        }
      });
    },
  };
});
