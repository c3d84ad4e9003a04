import { ClientFrameSchema, HostFrameSchema, type Call, type ClientFrame } from './station_protocol.ts';
import type { StationTransport } from './station_client.ts';

/**
 * The WebSocket transport to the browser host. It reconnects by itself (a restarted host is
 * found again); calls made while the socket is down are refused at once, so the UI can say
 * the station does not answer instead of waiting.
 *
 * The socket is opened by the caller (`open`), so this works with the browser's WebSocket
 * and with the `ws` package under Node alike.
 */
export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export interface SocketHandlers {
  readonly onOpen: () => void;
  readonly onMessage: (data: string) => void;
  readonly onClose: () => void;
}

export type OpenSocket = (handlers: SocketHandlers) => SocketLike;

export interface WebSocketTransport extends StationTransport {
  /** Closes the socket for good. */
  close(): void;
  /** Connection changes (true: connected). */
  onConnection(listener: (connected: boolean) => void): () => void;
}

export class StationDisconnectedError extends Error {
  override readonly name = 'StationDisconnectedError';
}

export interface WebSocketTransportOptions {
  readonly reconnectMs?: number;
  /** How long a call made while connecting waits for the socket. */
  readonly connectTimeoutMs?: number;
  /** How long a call waits for its reply. */
  readonly callTimeoutMs?: number;
}

interface Pending {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function webSocketTransport(open: OpenSocket, options: WebSocketTransportOptions = {}): WebSocketTransport {
  const reconnectMs = options.reconnectMs ?? 1000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const pending = new Map<number, Pending>();
  const queued: string[] = [];
  const eventListeners = new Set<(raw: unknown) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let nextId = 1;
  let connected = false;
  let closed = false;
  let socket: SocketLike | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let connectingSince = Date.now();

  const settle = (id: number, outcome: { readonly reply: unknown } | { readonly error: Error }) => {
    const call = pending.get(id);
    if (call === undefined) return;
    pending.delete(id);
    clearTimeout(call.timer);
    if ('error' in outcome) call.reject(outcome.error);
    else call.resolve(outcome.reply);
  };

  const failAll = (message: string) => {
    queued.length = 0;
    for (const id of [...pending.keys()]) settle(id, { error: new StationDisconnectedError(message) });
  };

  const setConnected = (value: boolean) => {
    if (connected === value) return;
    connected = value;
    for (const listener of connectionListeners) listener(value);
  };

  const onMessage = (data: string) => {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.error('the station host sent a frame that is not JSON; dropped');
      return;
    }
    const frame = HostFrameSchema.safeParse(json);
    if (!frame.success) {
      console.error('the station host sent a frame outside the protocol; dropped', frame.error.message);
      return;
    }
    const f = frame.data;
    switch (f.type) {
      case 'reply':
        settle(f.id, { reply: f.reply });
        return;
      case 'event':
        for (const listener of eventListeners) listener(f.event);
        return;
      case 'fault':
        if (f.id === null) console.error('station host fault:', f.message);
        else settle(f.id, { error: new StationDisconnectedError(`the station host refused the call: ${f.message}`) });
        return;
    }
  };

  const connect = () => {
    retry = undefined;
    connectingSince = Date.now();
    socket = open({
      onOpen() {
        setConnected(true);
        for (const frame of queued.splice(0)) socket?.send(frame);
      },
      onMessage,
      onClose() {
        setConnected(false);
        failAll('the connection to the station backend was lost');
        socket = undefined;
        if (!closed) retry = setTimeout(connect, reconnectMs);
      },
    });
  };
  connect();

  return {
    call(call: Call) {
      const id = nextId;
      nextId += 1;
      const frame: ClientFrame = ClientFrameSchema.parse({ id, call });
      return new Promise<unknown>((resolve, reject) => {
        if (closed) {
          reject(new StationDisconnectedError('the station connection is closed'));
          return;
        }
        if (!connected && (socket === undefined || Date.now() - connectingSince > connectTimeoutMs)) {
          reject(new StationDisconnectedError('the station backend is not connected'));
          return;
        }
        const timer = setTimeout(() => {
          settle(id, { error: new StationDisconnectedError(`the station backend did not answer ${call.method} in time`) });
        }, callTimeoutMs);
        pending.set(id, { resolve, reject, timer });
        const text = JSON.stringify(frame);
        if (connected) socket?.send(text);
        else queued.push(text);
      });
    },
    listen(onEvent) {
      eventListeners.add(onEvent);
      return () => {
        eventListeners.delete(onEvent);
      };
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => {
        connectionListeners.delete(listener);
      };
    },
    close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      failAll('the station connection is closed');
      socket?.close();
    },
  };
}
