import type { EventEmitter } from 'node:events';
import { DBusError, sessionBus, systemBus, type Message, type MessageBus } from '@jellybrick/dbus-next';
import { err, ok, type Result } from '@scrutin/shared';

/**
 * A D-Bus connection whose method calls never hang and never throw: each call has a deadline,
 * and a broken connection (no bus, the bus went away) fails the calls with its reason rather
 * than an exception at the process. The system bus, or another bus address for tests (a
 * private dbus-daemon with python-dbusmock). Used by the drive source (udisks2) and the clock
 * setter (systemd-timedated).
 */
export interface DbusConnection {
  readonly bus: MessageBus;
  /** A method call; a failure as text (the D-Bus error name and message, a time-out, a broken connection). */
  call(message: Message): Promise<Result<unknown[], string>>;
  close(): void;
}

export function connectDbus(options: { readonly busAddress?: string; readonly timeoutMs: number }): DbusConnection {
  const bus = options.busAddress === undefined ? systemBus() : sessionBus({ busAddress: options.busAddress });
  // An unreachable bus is reported by the calls, never thrown at the process.
  const broken = new Promise<string>((resolve) => {
    (bus as unknown as EventEmitter).on('error', (error: unknown) => {
      resolve(error instanceof Error ? error.message : String(error));
    });
  });
  return {
    bus,
    async call(message) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Result<unknown[], string>>((resolve) => {
        timer = setTimeout(() => {
          resolve(err(`no answer from ${message.destination} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      });
      const failed = broken.then((reason): Result<unknown[], string> => err(`the D-Bus connection failed: ${reason}`));
      const answer = bus.call(message).then(
        (reply): Result<unknown[], string> => ok(reply?.body ?? []),
        (error: unknown): Result<unknown[], string> =>
          err(error instanceof DBusError ? `${error.type}: ${error.text}` : error instanceof Error ? error.message : String(error)),
      );
      try {
        return await Promise.race([answer, timeout, failed]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      bus.disconnect();
    },
  };
}
