import { stationFrameLoop, type FrameLoop } from '../api/frame_loop.ts';
import type { HostFrame } from '../api/station_protocol.ts';
import { Printer } from '../station/devices/printing.ts';
import { UdisksDriveSource } from '../station/devices/udisks_drives.ts';
import { TimedatedClock } from '../station/devices/timedated_clock.ts';
import { aesGcmKeyProtector } from '../station/key_protector.ts';
import { openStation, type Station } from '../station/station.ts';
import { KekMessageSchema } from './station_kek.ts';

/**
 * The station backend in Electron's utility process (never in the window's renderer, never in
 * main): it owns the station database and answers the calls main relays from the preload.
 * Messages are the browser host's frames (`{ id, call }` in; replies, events and faults out),
 * handled by the same frame loop (src/api/frame_loop.ts); a parent-port message is already a
 * value, so there is nothing to decode.
 *
 * The first message is the key-encryption key main opened with safeStorage (station_kek.ts):
 * the station opens only then, its signing key sealed under it. Exports go to the USB keys
 * udisks2 lists. Reports print silently on CUPS's default destination, which the kiosk system
 * sets to the station's queue (installers/linux/kiosk, scrutin-kiosk-printer): the polls do not
 * open until it can print.
 */
const post = (frame: HostFrame) => {
  process.parentPort.postMessage(frame);
};

const dataArg = process.argv.indexOf('--data');
const dataDir = dataArg < 0 ? undefined : process.argv[dataArg + 1];
if (dataDir === undefined) throw new Error('station_backend needs --data DIR');

const drives = new UdisksDriveSource();
/** The system clock, set at setup through systemd-timedated (the kiosk system's polkit rule allows it). */
const clock = new TimedatedClock();
let station: Station | undefined;
let loop: FrameLoop | undefined;

process.parentPort.on('message', (message) => {
  if (loop !== undefined) {
    void loop.receive(message.data, post);
    return;
  }
  const first = KekMessageSchema.safeParse(message.data);
  if (!first.success) throw new Error('station_backend: the first message must be the key-encryption key');
  const opened = openStation({
    dataDir,
    drives,
    clock,
    keyProtector: aesGcmKeyProtector(Buffer.from(first.data.kek, 'base64')),
    printer: new Printer({ printer: null }),
  });
  if (!opened.ok) throw new Error(`the station database cannot be opened: ${opened.error.kind}`);
  station = opened.value;
  loop = stationFrameLoop(station, post);
});

process.on('exit', () => {
  loop?.close();
  station?.close();
  drives.close();
  clock.close();
});
