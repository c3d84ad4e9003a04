import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Variant } from '@jellybrick/dbus-next';
import { MOCK_INTERFACE, startDbusMock, type DbusMock } from './dbus_mock.test-support.ts';
import { TimedatedClock } from './timedated_clock.ts';

/**
 * Real: the D-Bus daemon, the D-Bus client library and the messages timedated exchanges.
 * Mocked: systemd-timedated, by python-dbusmock's own `timedated` template, whose SetTime is
 * made to refuse while network time is on, as timedated does (AutomaticTimeSyncEnabled); the
 * machine's clock is never touched, and polkit is not asked (its rule has its own test in
 * installers/src/linux_system.test.ts).
 */
const TIMEDATE = 'org.freedesktop.timedate1';
const PATH = '/org/freedesktop/timedate1';
let timedated: DbusMock;
const clocks: TimedatedClock[] = [];

const SET_TIME_AS_TIMEDATED = [
  `if self.Get('${TIMEDATE}', 'NTP'):`,
  `    raise dbus.exceptions.DBusException('Automatic time synchronization is enabled', name='${TIMEDATE}.AutomaticTimeSyncEnabled')`,
].join('\n');

beforeAll(async () => {
  timedated = await startDbusMock({ template: 'timedated', busName: TIMEDATE });
});
afterAll(async () => {
  for (const clock of clocks.splice(0)) clock.close();
  await timedated.stop();
});
beforeEach(async () => {
  await timedated.call(PATH, MOCK_INTERFACE, 'AddMethod', 'sssss', [TIMEDATE, 'SetTime', 'xbb', '', SET_TIME_AS_TIMEDATED]);
  await timedated.call(PATH, 'org.freedesktop.DBus.Properties', 'Set', 'ssv', [TIMEDATE, 'NTP', new Variant('b', true)]);
  await timedated.call(PATH, MOCK_INTERFACE, 'ClearCalls', '', []);
});

function clock(busAddress = timedated.busAddress): TimedatedClock {
  const c = new TimedatedClock({ busAddress, timeoutMs: 3_000 });
  clocks.push(c);
  return c;
}

/** The calls timedated received, in order: [member, ...arguments]. */
async function calls(): Promise<unknown[][]> {
  const [log] = await timedated.call(PATH, MOCK_INTERFACE, 'GetCalls', '', []);
  return (log as [bigint, string, Variant[]][]).map(([, member, args]) => [member, ...args.map((a) => a.value)]);
}

describe('the station clock through systemd-timedated', () => {
  it('turns network time off, then sets the time in microseconds since the epoch, absolute and never interactive', async () => {
    const at = Date.parse('2026-10-19T12:34:56.789Z');
    expect(await clock().set(at)).toEqual({ ok: true, value: undefined });
    expect(await calls()).toEqual([
      ['SetNTP', false, false],
      ['SetTime', BigInt(at) * 1000n, false, false],
    ]);
    // Network time stays off: nothing else moves the clock of an offline station.
    const [ntp] = await timedated.call(PATH, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [TIMEDATE, 'NTP']);
    expect((ntp as Variant).value).toBe(false);
  });

  it('reports timedated’s refusal in its words, and says when the service is not there', async () => {
    await timedated.call(PATH, MOCK_INTERFACE, 'AddMethod', 'sssss', [
      TIMEDATE,
      'SetNTP',
      'bb',
      '',
      `raise dbus.exceptions.DBusException('not allowed', name='org.freedesktop.DBus.Error.AccessDenied')`,
    ]);
    const denied = await clock().set(Date.now());
    expect(denied.ok ? null : denied.error.kind).toBe('clock-not-authorized');
    expect(denied.ok ? '' : denied.error.message.en).toMatch(/polkit rule is missing/);
    // SetNTP failed: no SetTime was tried (timedated would refuse it with network time on).
    expect((await calls()).map(([member]) => member)).toEqual(['SetNTP']);
    await timedated.call(PATH, MOCK_INTERFACE, 'AddMethod', 'sssss', [TIMEDATE, 'SetNTP', 'bb', '', '']);
    const refused = await clock().set(Date.now());
    expect(refused.ok ? null : refused.error.kind).toBe('clock-refused');
    expect(refused.ok ? '' : refused.error.message.en).toMatch(/AutomaticTimeSyncEnabled: Automatic time synchronization is enabled/);

    const nowhere = await clock(`unix:path=${timedated.root}/no-bus`).set(Date.now());
    expect(nowhere.ok ? null : nowhere.error.kind).toBe('clock-unavailable');
    expect(nowhere.ok ? '' : nowhere.error.message.fr).toMatch(/^L’horloge du poste ne peut pas être réglée/);
  });
});
