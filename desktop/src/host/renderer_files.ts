import { statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

/**
 * How both hosts serve the built kiosk renderer (dist/renderer) and the audio ballot's clips
 * (the station's verified copy of the kit's audio folder, `<dataDir>/audio`), written once: the
 * browser host over HTTP on 127.0.0.1 (`station_host.ts`) and the Electron shell on its
 * app://kiosk scheme (`src/main/main.ts`). Same files, same content types, same
 * Content-Security-Policy and security headers.
 */

/** No remote origin: scripts, styles, fonts, audio clips and the API come from this host only; no inline script or style. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; media-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** The headers of every answer (lower-case names, as both Node and the Fetch API take them). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  'cache-control': 'no-store',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
};

export interface RendererFile {
  /** Absolute, inside the renderer folder. */
  readonly path: string;
  readonly contentType: string;
}

/**
 * The file of the renderer folder that a URL path names (`/` is index.html), or undefined
 * when there is none to serve: a path that does not decode, that leaves the folder (`..`,
 * encoded or not), that names a folder, or a file that does not exist.
 */
export function rendererFile(rendererDir: string, urlPath: string): RendererFile | undefined {
  const root = resolve(rendererDir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = decoded === '/' ? 'index.html' : normalize(decoded).replace(/^[/\\]+/, '');
  const path = join(root, relative);
  if (!path.startsWith(root + sep)) return undefined;
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return { path, contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' };
}

/** Where the renderer finds a clip of the audio ballot: `audio/<clip id>.wav`, relative to the page (so `/audio/…` on both hosts). */
export const AUDIO_URL_PATH = /^\/audio\/([0-9a-f]{64})\.wav$/;

/** Whether a URL path is in the clips' space (`/audio/…`): such a path is a clip or nothing, never a renderer file. */
export function isAudioPath(urlPath: string): boolean {
  return urlPath.startsWith('/audio/');
}

/**
 * The clip a URL path names in the station's audio folder, or undefined: the path must be
 * exactly `/audio/<64 hex digits>.wav` (nothing to decode, no other folder, no other file) and
 * the clip must exist (a kit without audio has none).
 */
export function audioClipFile(audioDir: string | undefined, urlPath: string): RendererFile | undefined {
  if (audioDir === undefined) return undefined;
  const id = AUDIO_URL_PATH.exec(urlPath)?.[1];
  if (id === undefined) return undefined;
  const path = join(resolve(audioDir), `${id}.wav`);
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return { path, contentType: 'audio/wav' };
}
