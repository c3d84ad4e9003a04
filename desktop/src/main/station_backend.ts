import { stationFrameLoop } from '../api/frame_loop.ts';
import type { HostFrame } from '../api/station_protocol.ts';
import { openStation } from '../station/station.ts';

/**
 * The station backend in Electron's utility process (never in the window's renderer, never in
 * main): it owns the station database and answers the calls main relays from the preload.
 * Messages are the browser host's frames (`{ id, call }` in; replies, events and faults out),
 * handled by the same frame loop (src/api/frame_loop.ts); a parent-port message is already a
 * value, so there is nothing to decode.
 */
const post = (frame: HostFrame) => {
  process.parentPort.postMessage(frame);
};

const dataArg = process.argv.indexOf('--data');
const dataDir = dataArg < 0 ? undefined : process.argv[dataArg + 1];
if (dataDir === undefined) throw new Error('station_backend needs --data DIR');

const opened = openStation({ dataDir });
if (!opened.ok) throw new Error(`the station database cannot be opened: ${opened.error.kind}`);
const station = opened.value;

const loop = stationFrameLoop(station, post);
process.parentPort.on('message', (message) => {
  void loop.receive(message.data, post);
});

process.on('exit', () => {
  loop.close();
  station.close();
});
