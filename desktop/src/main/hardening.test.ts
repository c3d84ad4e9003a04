import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backendEnvironment,
  checkCommandLine,
  guardKioskWindow,
  isBlockedKey,
  stationDataDir,
  type GuardedWindow,
  type KeyInput,
} from './hardening.ts';

const EXE = '/opt/Scrutin Station/scrutin-station';

describe('checkCommandLine', () => {
  it('lets the kiosk start with no switch or harmless ones', () => {
    expect(checkCommandLine([EXE], 'linux').ok).toBe(true);
    expect(checkCommandLine([EXE, '--ozone-platform=wayland', '--lang=fr'], 'linux').ok).toBe(true);
  });

  it.each([
    ['--remote-debugging-port=9222'],
    ['--remote-debugging-pipe'],
    ['--remote-debugging-address=0.0.0.0'],
    ['-remote-debugging-port=9222'],
    ['--REMOTE-DEBUGGING-PORT=9222'],
    ['--inspect'],
    ['--inspect=0.0.0.0:9229'],
    ['--inspect-brk'],
    ['--inspect-port=9229'],
    ['--js-flags=--allow-natives-syntax'],
    ['--remote-allow-origins=*'],
  ])('refuses %s', (arg) => {
    expect(checkCommandLine([EXE, '--lang=fr', arg], 'linux')).toEqual({ ok: false, error: { kind: 'forbidden-switch', switch: arg } });
  });

  it("reads Windows' /switch form on Windows only", () => {
    expect(checkCommandLine(['ScrutinStation.exe', '/remote-debugging-port=9222'], 'win32').ok).toBe(false);
    expect(checkCommandLine([EXE, '/remote-debugging-port=9222'], 'linux').ok).toBe(true);
  });

  it('does not read arguments after a bare -- as switches, and never the executable itself', () => {
    expect(checkCommandLine([EXE, '--', '--inspect'], 'linux').ok).toBe(true);
    expect(checkCommandLine(['--inspect'], 'linux').ok).toBe(true);
  });
});

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  type: 'keyDown',
  key: k,
  code: '',
  control: false,
  alt: false,
  meta: false,
  shift: false,
  ...mods,
});

describe('isBlockedKey', () => {
  it.each([
    ['Alt+F4', key('F4', { alt: true })],
    ['Ctrl+W', key('w', { control: true })],
    ['Ctrl+Shift+W', key('W', { control: true, shift: true })],
    ['Ctrl+Q', key('q', { control: true })],
    ['Ctrl+R', key('r', { control: true })],
    ['F5', key('F5')],
    ['F11', key('F11')],
    ['F12', key('F12')],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Ctrl+Shift+J', key('J', { control: true, shift: true })],
    ['Ctrl+P', key('p', { control: true })],
    ['Ctrl+S', key('s', { control: true })],
    ['Ctrl+O', key('o', { control: true })],
    ['Ctrl+N', key('n', { control: true })],
    ['Ctrl+T', key('t', { control: true })],
    ['Ctrl+=', key('=', { control: true })],
    ['Ctrl+-', key('-', { control: true })],
    ['Ctrl+0', key('0', { control: true })],
    ['Alt+Left', key('ArrowLeft', { alt: true })],
    ['Alt+Home', key('Home', { alt: true })],
    ['Cmd+Q', key('q', { meta: true })],
    ['Meta', key('Meta', { meta: true })],
    ['BrowserBack', key('BrowserBack')],
  ])('blocks %s', (_name, input) => {
    expect(isBlockedKey(input)).toBe(true);
  });

  it.each([
    ['a letter', key('a')],
    ['a capital', key('A', { shift: true })],
    ['a digit', key('7')],
    ['Enter', key('Enter')],
    ['Tab', key('Tab')],
    ['Shift+Tab', key('Tab', { shift: true })],
    ['Escape', key('Escape')],
    ['Backspace', key('Backspace')],
    ['an arrow', key('ArrowDown')],
    ['Ctrl+A', key('a', { control: true })],
    ['Ctrl+C', key('c', { control: true })],
    ['Ctrl+V', key('v', { control: true })],
    ['Ctrl+Z', key('z', { control: true })],
    ['Ctrl+Backspace', key('Backspace', { control: true })],
    ['Ctrl+Left', key('ArrowLeft', { control: true })],
    ['AltGr+2 on Windows (~)', key('~', { control: true, alt: true })],
    ['é', key('é')],
  ])('lets %s through', (_name, input) => {
    expect(isBlockedKey(input)).toBe(false);
  });
});

class FakeWindow extends EventEmitter implements GuardedWindow {
  kiosk = true;
  minimized = false;
  visible = true;
  setKiosk(flag: boolean): void {
    this.kiosk = flag;
  }
  restore(): void {
    this.minimized = false;
  }
  show(): void {
    this.visible = true;
  }
  isDestroyed(): boolean {
    return false;
  }
  requestClose(): boolean {
    let prevented = false;
    this.emit('close', {
      preventDefault() {
        prevented = true;
      },
    });
    return !prevented;
  }
}

describe('guardKioskWindow', () => {
  it('refuses to close until a shutdown has begun', () => {
    const win = new FakeWindow();
    let shuttingDown = false;
    guardKioskWindow(win, () => shuttingDown);
    expect(win.requestClose()).toBe(false);
    shuttingDown = true;
    expect(win.requestClose()).toBe(true);
  });

  it('puts the window back in kiosk mode, restores it and shows it again', () => {
    const win = new FakeWindow();
    guardKioskWindow(win, () => false);
    win.kiosk = false;
    win.emit('leave-full-screen');
    expect(win.kiosk).toBe(true);
    win.minimized = true;
    win.emit('minimize');
    expect(win.minimized).toBe(false);
    win.visible = false;
    win.emit('hide');
    expect(win.visible).toBe(true);
  });

  it('lets the window go during a shutdown', () => {
    const win = new FakeWindow();
    guardKioskWindow(win, () => true);
    win.visible = false;
    win.emit('hide');
    expect(win.visible).toBe(false);
  });
});

describe('the environment of a packaged kiosk', () => {
  const userData = '/var/lib/scrutin-kiosk/.config/Scrutin Station';

  it('keeps the station data in its own folder whatever SCRUTIN_STATION_DATA says', () => {
    const env = { SCRUTIN_STATION_DATA: '/media/usb/evil' };
    expect(stationDataDir({ packaged: true, env, userData, join })).toBe(join(userData, 'station'));
    expect(stationDataDir({ packaged: false, env, userData, join })).toBe('/media/usb/evil');
    expect(stationDataDir({ packaged: false, env: {}, userData, join })).toBe(join(userData, 'station'));
  });

  it('gives the station backend only the basics', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/var/lib/scrutin-kiosk',
      LANG: 'fr_CA.UTF-8',
      LC_TIME: 'fr_CA.UTF-8',
      TZ: 'America/Toronto',
      NODE_OPTIONS: '--require /tmp/x.js',
      NODE_EXTRA_CA_CERTS: '/tmp/ca.pem',
      HTTPS_PROXY: 'http://evil:3128',
      SCRUTIN_STATION_DATA: '/tmp/x',
      ELECTRON_RUN_AS_NODE: '1',
    };
    expect(backendEnvironment({ packaged: true, env })).toEqual({
      PATH: '/usr/bin',
      HOME: '/var/lib/scrutin-kiosk',
      LANG: 'fr_CA.UTF-8',
      LC_TIME: 'fr_CA.UTF-8',
      TZ: 'America/Toronto',
    });
    expect(backendEnvironment({ packaged: false, env })).toEqual(env);
  });
});
