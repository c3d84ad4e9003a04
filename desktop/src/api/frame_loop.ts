import { describeDispatchError, dispatchCall } from './dispatch.ts';
import { StationEventSchema, type StationApi } from './station_api.ts';
import { ClientFrameSchema, MAX_FAULT_LENGTH, type HostFrame } from './station_protocol.ts';

/**
 * The host side of every hop, written once for both hosts: the browser host (one WebSocket
 * per page) and Electron's utility process (its parent port). A client frame comes in, is
 * parsed, its call dispatched to the station, and exactly one frame goes back to that client:
 * the reply (the method's Result, checked against the protocol), or a fault (a refused frame,
 * an answer outside the protocol, or a bug in the backend; the log says which). The station's
 * events, checked too, go to every client.
 *
 * The transport decodes its own bytes (a WebSocket frame is JSON text, a parent-port message
 * is already a value) and gives this loop the decoded value.
 */
export interface FrameLoop {
  /** Handles one decoded frame from a client; the answer goes through `reply`. Never rejects. */
  receive(raw: unknown, reply: (frame: HostFrame) => void): Promise<void>;
  /** Stops relaying the station's events. */
  close(): void;
}

/** Sends the station's events (as event frames) to `broadcast`, and answers calls. */
export function stationFrameLoop(station: StationApi, broadcast: (frame: HostFrame) => void): FrameLoop {
  const unsubscribe = station.subscribe((event) => {
    const checked = StationEventSchema.safeParse(event);
    if (!checked.success) {
      console.error('a station event does not follow the protocol; not relayed', checked.error.message);
      return;
    }
    broadcast({ type: 'event', event: checked.data });
  });

  return {
    async receive(raw, reply) {
      const frame = ClientFrameSchema.safeParse(raw);
      if (!frame.success) {
        reply(fault(null, `a frame does not follow the protocol: ${frame.error.issues.map((i) => i.message).join('; ')}`));
        return;
      }
      const { id, call } = frame.data;
      try {
        const outcome = await dispatchCall(station, call);
        if (outcome.ok) {
          reply({ type: 'reply', id, reply: outcome.value });
          return;
        }
        const message = describeDispatchError(outcome.error);
        if (outcome.error.kind === 'bad-reply') console.error(message);
        reply(fault(id, message));
      } catch (error) {
        // A bug in the backend: the UI learns that the call failed, the log says why.
        console.error(`station ${call.method} failed`, error);
        reply(fault(id, `the station backend failed on ${call.method}`));
      }
    },
    close: unsubscribe,
  };
}

/** A fault frame: for call `id`, or for a frame that has none (not JSON, not a call). */
export function fault(id: number | null, message: string): HostFrame {
  return { type: 'fault', id, message: message.slice(0, MAX_FAULT_LENGTH) };
}
