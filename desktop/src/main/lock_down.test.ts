import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { KeyInput } from './hardening.ts';
import { lockDownContents, lockDownSession, type LockableContents, type LockableSession } from './lock_down.ts';

/** An event as Electron passes it: records whether its default was refused. */
function event(): { prevented: boolean; preventDefault(): void } {
  return {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

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

class FakeSession extends EventEmitter implements LockableSession {
  request: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  check: (() => boolean) | undefined;
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void {
    this.request = handler;
  }
  setPermissionCheckHandler(handler: () => boolean): void {
    this.check = handler;
  }
}

class FakeContents extends EventEmitter implements LockableContents {
  openHandler: (() => { action: 'deny' }) | undefined;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void {
    this.openHandler = handler;
  }
}

describe('the session of the kiosk', () => {
  it('grants no permission, whatever is asked', () => {
    const session = new FakeSession();
    lockDownSession(session);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'fullscreen', 'openExternal']) {
      const answers: boolean[] = [];
      session.request?.({}, permission, (granted) => answers.push(granted));
      expect(answers, permission).toEqual([false]);
    }
    expect(session.check?.()).toBe(false);
  });

  it('refuses every download', () => {
    const session = new FakeSession();
    lockDownSession(session);
    const download = event();
    session.emit('will-download', download);
    expect(download.prevented).toBe(true);
  });
});

describe('every page of the kiosk', () => {
  it('never navigates, redirects or attaches a webview, and opens no window', () => {
    const contents = new FakeContents();
    lockDownContents(contents);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = event();
      contents.emit(name, e);
      expect(e.prevented, name).toBe(true);
    }
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
  });

  it.each([
    ['Alt+F4', key('F4', { alt: true }), true],
    ['Ctrl+W', key('w', { control: true }), true],
    ['Ctrl+P (the print dialog)', key('p', { control: true }), true],
    ['F12 (devtools)', key('F12'), true],
    ['F11 (full screen)', key('F11'), true],
    ['Ctrl+R (reload)', key('r', { control: true }), true],
    ['a letter', key('a'), false],
    ['Enter', key('Enter'), false],
    ['Ctrl+V', key('v', { control: true }), false],
  ])('%s: blocked %s', (_name, input, blocked) => {
    const contents = new FakeContents();
    lockDownContents(contents);
    const e = event();
    contents.emit('before-input-event', e, input);
    expect(e.prevented).toBe(blocked);
  });
});
