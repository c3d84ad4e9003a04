import type { Result } from '@scrutin/shared';
import type { StationApi, StationError, StationEvent } from '../station/station_api.ts';
import { StationEventSchema, replySchema, type ArgsOf, type Call, type StationMethod, type ValueOf } from './station_protocol.ts';

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
  const invoke = async <M extends StationMethod>(method: M, args: ArgsOf<M>): Promise<Result<ValueOf<M>, StationError>> => {
    const raw = await transport.call({ method, args });
    const reply = replySchema(method).safeParse(raw);
    if (!reply.success) throw new StationProtocolError(`the answer to ${method} does not follow the protocol: ${reply.error.message}`);
    return reply.data;
  };
  return {
    status: (args) => invoke('status', args),
    loadKit: (args) => invoke('loadKit', args),
    enrol: (args) => invoke('enrol', args),
    unlock: (args) => invoke('unlock', args),
    openPolls: (args) => invoke('openPolls', args),
    closePolls: (args) => invoke('closePolls', args),
    checkIn: (args) => invoke('checkIn', args),
    cast: (args) => invoke('cast', args),
    syncNow: (args) => invoke('syncNow', args),
    checkConnection: (args) => invoke('checkConnection', args),
    exportBatches: (args) => invoke('exportBatches', args),
    closingReport: (args) => invoke('closingReport', args),
    subscribe(listener: (event: StationEvent) => void) {
      return transport.listen((raw) => {
        const event = StationEventSchema.safeParse(raw);
        if (event.success) listener(event.data);
        else console.error('a station event does not follow the protocol; dropped', event.error.message);
      });
    },
  };
}
