import { stationApiOver } from '../../api/station_client.ts';
import { webSocketTransport } from '../../api/ws_transport.ts';
import type { StationApi } from '../../api/station_api.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: the StationApi, already checked there. */
    readonly scrutin?: StationApi;
  }
}

export interface StationConnection {
  readonly api: StationApi;
  /** Whether the backend answers; Electron's is always there. Returns the unsubscribe function. */
  onConnection(listener: (connected: boolean) => void): () => void;
}

/** The StationApi of this kiosk: Electron's preload object, or the browser host's WebSocket. */
export function connectStation(): StationConnection {
  const preloaded = window.scrutin;
  if (preloaded !== undefined) {
    return {
      api: preloaded,
      onConnection(listener) {
        listener(true);
        return () => undefined;
      },
    };
  }
  const url = new URL('api', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const transport = webSocketTransport((handlers) => {
    const socket = new WebSocket(url);
    socket.onopen = () => {
      handlers.onOpen();
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') handlers.onMessage(event.data);
    };
    socket.onclose = () => {
      handlers.onClose();
    };
    return socket;
  });
  return { api: stationApiOver(transport), onConnection: (listener) => transport.onConnection(listener) };
}
