import {
  StationEventSchema,
  stationCalls,
  type StationApi,
  type StationCall,
  type StationEvent,
  type StationMethod,
} from './station_api.ts';
import { replySchema, type Call } from './station_protocol.ts';

/**
 * The UI side of a hop: a StationApi made of calls sent somewhere else (WebSocket to the
 * browser host, IPC to Electron main). Every answer and every event is parsed before the
 * UI sees it. A transport failure or an answer outside the protocol is a rejection (a bug
 * or a lost backend), never a made-up Result.
 */
export interface StationTransport {
  /** Sends a call; resolves with the raw reply. */
  call(call: Call): Promise<unknown>;
  /** Raw pushed events; returns the unsubscribe function. */
  listen(onEvent: (raw: unknown) => void): () => void;
}

export class StationProtocolError extends Error {
  override readonly name = 'StationProtocolError';
}

export function stationApiOver(transport: StationTransport): StationApi {
  const remote =
    <M extends StationMethod>(method: M): StationCall<M> =>
    async (args) => {
      const raw = await transport.call({ method, args });
      const reply = replySchema(method).safeParse(raw);
      if (!reply.success) throw new StationProtocolError(`the answer to ${method} does not follow the protocol: ${reply.error.message}`);
      return reply.data;
    };
  return {
    ...stationCalls(remote),
    subscribe(listener: (event: StationEvent) => void) {
      return transport.listen((raw) => {
        const event = StationEventSchema.safeParse(raw);
        if (event.success) listener(event.data);
        else console.error('a station event does not follow the protocol; dropped', event.error.message);
      });
    },
  };
}
