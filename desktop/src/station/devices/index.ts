/**
 * The station's devices (docs/polling-day.md): the printer (CUPS), removable drives (udisks2
 * on Linux) and the drive writer, plus the printed documents. Plain Node, no Electron. The
 * station backend wires them in (see the integration notes in docs/polling-day.md).
 */
export * from './cups.ts';
export * from './printing.ts';
export * from './printed_reports.ts';
export * from './text_layout.ts';
export * from './drives.ts';
export * from './udisks_drives.ts';
export * from './drive_writer.ts';
export * from './folder_drives.ts';
export * from './dbus_call.ts';
export * from './clock.ts';
export * from './timedated_clock.ts';
