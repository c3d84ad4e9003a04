import { z } from 'zod';

/**
 * What the kiosk asks of its host itself, beside the StationApi (which is the station
 * backend's): which build is running, what the machine has (the technician's pre-flight), and
 * printing the page without a dialog. The Electron shell answers over IPC (src/main/shell_calls.ts,
 * exposed by the preload as `window.scrutinShell`); the browser host answers over HTTP at
 * `/shell/*` (src/host/station_host.ts). Every answer is parsed with these schemas on the
 * renderer's side (src/renderer/backend/shell.ts).
 *
 * Browser-safe: zod only.
 */

/** The running build: the technician compares `sha256` with the release's signed SHA256SUMS (docs/technicians.md). */
export const KioskBuildSchema = z
  .object({
    version: z.string().min(1).max(64),
    /** `electron`: the packaged kiosk; `browser`: the browser host (training, testing, development). */
    host: z.enum(['electron', 'browser']),
    /** The runtime under the app: Electron's version, or Node's for the browser host. */
    runtime: z.string().min(1).max(64),
    /**
     * Hex SHA-256 of what runs: app.asar for the Electron shell (the `…-PLATFORM.asar` line of
     * SHA256SUMS), the served renderer files for the browser host; null for an unpackaged shell.
     */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    hashOf: z.enum(['app.asar', 'renderer']),
  })
  .readonly();
export type KioskBuild = z.infer<typeof KioskBuildSchema>;

/** What the host sees of the machine, for the technician's pre-flight. */
export const MachineCheckSchema = z
  .object({
    /** Free and total bytes of the file system of the station's data folder. */
    disk: z.object({ freeBytes: z.int().nonnegative(), totalBytes: z.int().nonnegative() }).readonly(),
    /** The printer queues the system knows, by name (a silent print goes to KIOSK_PRINTER only). */
    printers: z.array(z.string().min(1).max(256)).max(64).readonly(),
    /** The host's clock (ISO 8601), to compare with the technician's trusted source. */
    time: z.string().min(1).max(64),
  })
  .readonly();
export type MachineCheck = z.infer<typeof MachineCheckSchema>;

/** The outcome of a silent print: `printed`, or the reason Chromium gave. */
export const PrintOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }).readonly(),
  z.object({ ok: z.literal(false), reason: z.string().max(512) }).readonly(),
]);
export type PrintOutcome = z.infer<typeof PrintOutcomeSchema>;

/** The host's side of the kiosk. Every call resolves (a failure is a value); an answer that does not parse rejects. */
export interface KioskShell {
  build(): Promise<KioskBuild>;
  checkMachine(): Promise<MachineCheck>;
  /** Prints the page as its print stylesheet shows it, on the kiosk's printer queue (KIOSK_PRINTER), without a dialog. */
  print(): Promise<PrintOutcome>;
}

/** The IPC channels of the Electron shell's side (main and preload). */
export const SHELL_CHANNELS = { build: 'shell:build', checkMachine: 'shell:check-machine', print: 'shell:print' } as const;

/** The browser host's paths for the same calls (GET for the first two, POST for print). */
export const SHELL_PATHS = { build: '/shell/build', checkMachine: '/shell/machine' } as const;

/**
 * The kiosk's one printer queue: `scrutin-kiosk-printer set URI` creates it in CUPS
 * (installers/linux/kiosk). The kiosk prints there and nowhere else.
 */
export const KIOSK_PRINTER = 'scrutin-station';

/** Minimum free space on the data folder's disk for a polling day (the database, the WAL, reports, exports). */
export const MIN_FREE_DISK_BYTES = 1024 * 1024 * 1024;
