import { Message } from '@jellybrick/dbus-next';
import { err, ok, type Result } from '@scrutin/shared';
import { clockError, type ClockError, type ClockSetter } from './clock.ts';
import { connectDbus, type DbusConnection } from './dbus_call.ts';

/**
 * The system clock through systemd-timedated over D-Bus (the system bus; another bus address
 * for tests), as `timedatectl set-ntp false` and `timedatectl set-time` do:
 * `org.freedesktop.timedate1.SetNTP(false, false)`, then `SetTime(usec_utc, false, false)`
 * (absolute, never interactive: no password dialog on the kiosk). timedated refuses SetTime
 * while network time is on, and network time stays off afterwards: an offline station's clock
 * moves only by this audited path, never by an unauthenticated NTP answer on whatever network
 * it meets. polkit decides: the kiosk system's rule (installers/linux/kiosk,
 * 50-scrutin-kiosk.rules) grants `org.freedesktop.timedate1.set-time` and `set-ntp` to the
 * active local kiosk session, and nothing else timedated offers.
 *
 * timedated also writes the hardware clock (RTC, in UTC on the kiosk image).
 */
const TIMEDATE = 'org.freedesktop.timedate1';
const PATH = '/org/freedesktop/timedate1';

export interface TimedatedOptions {
  /** A D-Bus address (tests); the system bus when left out. */
  readonly busAddress?: string;
  /** Per call; 10 s by default. */
  readonly timeoutMs?: number;
}

export class TimedatedClock implements ClockSetter {
  private readonly dbus: DbusConnection;

  constructor(options: TimedatedOptions = {}) {
    this.dbus = connectDbus({
      ...(options.busAddress === undefined ? {} : { busAddress: options.busAddress }),
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  async set(at: number): Promise<Result<void, ClockError>> {
    const ntp = await this.call('SetNTP', 'bb', [false, false]);
    // A system without an NTP service has nothing to turn off.
    if (!ntp.ok && !/NoNTPSupport/.test(ntp.error)) return err(this.problem(ntp.error));
    const set = await this.call('SetTime', 'xbb', [BigInt(Math.round(at)) * 1000n, false, false]);
    return set.ok ? ok(undefined) : err(this.problem(set.error));
  }

  close(): void {
    this.dbus.close();
  }

  private call(member: string, signature: string, body: unknown[]) {
    return this.dbus.call(new Message({ destination: TIMEDATE, path: PATH, interface: TIMEDATE, member, signature, body }));
  }

  private problem(error: string): ClockError {
    if (/NotAuthorized|AccessDenied|InteractiveAuthorizationRequired/.test(error)) return clockError({ kind: 'clock-not-authorized' });
    if (/ServiceUnknown|NameHasNoOwner|connection failed|no answer from/.test(error))
      return clockError({ kind: 'clock-unavailable', detail: error });
    return clockError({ kind: 'clock-refused', detail: error });
  }
}
