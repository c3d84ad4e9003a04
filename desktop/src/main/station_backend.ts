import { describeDispatchError, dispatchCall } from '../api/dispatch.ts';
import { ClientFrameSchema, StationEventSchema, type HostFrame } from '../api/station_protocol.ts';
import { openStation } from '../station/station.ts';

/**
 * The station backend in Electron's utility process (never in the window's renderer, never in
 * main): it owns the station database and answers the calls main relays from the preload.
 * Messages are the browser host's frames: `{ id, call }` in; replies, events and faults out.
 */
/** Electron's parent port, typed for what crosses it. */
const port = {
  on(listener: (data: unknown) => void): void {
    process.parentPort.on('message', (message) => {
      listener(message.data);
    });
  },
  postMessage(frame: HostFrame): void {
    process.parentPort.postMessage(frame);
  },
};

const dataArg = process.argv.indexOf('--data');
const dataDir = dataArg < 0 ? undefined : process.argv[dataArg + 1];
if (dataDir === undefined) throw new Error('station_backend needs --data DIR');

const opened = openStation({ dataDir });
if (!opened.ok) throw new Error(`the station database cannot be opened: ${opened.error.kind}`);
const station = opened.value;

station.subscribe((event) => {
  const checked = StationEventSchema.safeParse(event);
  if (checked.success) port.postMessage({ type: 'event', event: checked.data });
});

port.on((data) => {
  const frame = ClientFrameSchema.safeParse(data);
  if (!frame.success) {
    port.postMessage({ type: 'fault', id: null, message: 'a frame does not follow the protocol' });
    return;
  }
  const { id, call } = frame.data;
  dispatchCall(station, call).then(
    (outcome) => {
      port.postMessage(
        outcome.ok ? { type: 'reply', id, reply: outcome.value } : { type: 'fault', id, message: describeDispatchError(outcome.error) },
      );
    },
    (error: unknown) => {
      console.error(`station ${call.method} failed`, error);
      port.postMessage({ type: 'fault', id, message: `the station backend failed on ${call.method}` });
    },
  );
});

process.on('exit', () => {
  station.close();
});
