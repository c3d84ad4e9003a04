import { isBlockedKey, type KeyInput } from './hardening.ts';

/**
 * What the shell refuses to every page and to the session, written against the few parts of
 * Electron's objects it uses (main.ts passes `session.defaultSession` and every WebContents
 * created), so that it is unit-tested without Electron (lock_down.test.ts): no permission, no
 * download, no navigation or redirect, no webview, no new window, and no blocked key
 * (hardening.ts `isBlockedKey`: close, reload, full screen, devtools, print dialogs, zoom).
 */

/** An event whose default action can be refused. */
interface Preventable {
  preventDefault(): void;
}

export interface LockableSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  on(event: 'will-download', listener: (event: Preventable) => void): unknown;
}

export interface LockableContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  on(event: 'before-input-event', listener: (event: Preventable, input: KeyInput) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

export function lockDownSession(session: LockableSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.on('will-download', (event) => {
    event.preventDefault();
  });
}

export function lockDownContents(contents: LockableContents): void {
  for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview'] as const)
    contents.on(name, (event) => {
      event.preventDefault();
    });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('before-input-event', (event, input) => {
    if (isBlockedKey(input)) event.preventDefault();
  });
}
