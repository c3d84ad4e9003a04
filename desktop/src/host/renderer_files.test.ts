import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, audioClipFile, isAudioPath, rendererFile } from './renderer_files.ts';

/** What both hosts (the browser host and the Electron shell) serve of the built renderer. */
let base: string;
let root: string;
let audio: string;
const CLIP = 'a'.repeat(64);

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'scrutin-files-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'data.bin'), 'x');
  // A sibling folder whose name starts with the renderer's: never reachable.
  mkdirSync(join(base, 'renderer-secrets'));
  writeFileSync(join(base, 'renderer-secrets', 'key.pem'), 'secret');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  audio = join(base, 'audio');
  mkdirSync(join(audio, 'sub'), { recursive: true });
  writeFileSync(join(audio, `${CLIP}.wav`), 'RIFF');
  writeFileSync(join(audio, 'audio.json'), '{}');
  writeFileSync(join(audio, `${'b'.repeat(64)}.mp3`), 'x');
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('rendererFile', () => {
  it('serves index.html for / and the files of the folder with their content types', () => {
    expect(rendererFile(root, '/')).toEqual({ path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(rendererFile(root, '/assets/app.js')).toEqual({
      path: join(root, 'assets', 'app.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(rendererFile(`${root}/`, '/assets/%61pp.js')?.path).toBe(join(root, 'assets', 'app.js'));
    expect(rendererFile(root, '/assets/data.bin')?.contentType).toBe('application/octet-stream');
  });

  it('serves nothing outside the folder, encoded or not, with or without a leading slash', () => {
    for (const path of [
      '../secret.txt',
      '%2e%2e/secret.txt',
      'assets/../../secret.txt',
      '/../secret.txt',
      '/../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/../renderer-secrets/key.pem',
      '/%2e%2e/renderer-secrets/key.pem',
    ]) {
      expect(rendererFile(root, path), path).toBeUndefined();
    }
  });

  it('serves nothing for a folder, a missing file, a NUL byte or a path that does not decode', () => {
    expect(rendererFile(root, '/assets')).toBeUndefined();
    expect(rendererFile(root, '/assets/')).toBeUndefined();
    expect(rendererFile(root, '/nothing.js')).toBeUndefined();
    expect(rendererFile(root, '/index.html%00.js')).toBeUndefined();
    expect(rendererFile(root, '/%E0%A4%A')).toBeUndefined();
  });

  it('sends a CSP with no remote origin and no inline code, with the other security headers', () => {
    expect(SECURITY_HEADERS['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe/);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(SECURITY_HEADERS).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'cache-control': 'no-store' });
  });
});

describe('audioClipFile', () => {
  it('serves a clip of the station’s audio folder by its id, as audio/wav', () => {
    expect(audioClipFile(audio, `/audio/${CLIP}.wav`)).toEqual({ path: join(audio, `${CLIP}.wav`), contentType: 'audio/wav' });
    expect(isAudioPath(`/audio/${CLIP}.wav`)).toBe(true);
    expect(isAudioPath('/assets/app.js')).toBe(false);
  });

  it('serves nothing but /audio/<64 hex>.wav: no manifest, no other name, no encoding, no other folder, no audio folder', () => {
    for (const path of [
      '/audio/audio.json',
      `/audio/${'b'.repeat(64)}.mp3`,
      `/audio/${CLIP.toUpperCase()}.wav`,
      `/audio/${CLIP}.WAV`,
      `/audio/%61${CLIP.slice(1)}.wav`,
      `/audio/../audio/${CLIP}.wav`,
      `/audio/sub/${CLIP}.wav`,
      `/audio//${CLIP}.wav`,
      '/audio/../secret.txt',
      `/audio/${CLIP}.wav/`,
      `/audio/${'c'.repeat(64)}.wav`,
    ]) {
      expect(audioClipFile(audio, path), path).toBeUndefined();
    }
    expect(audioClipFile(undefined, `/audio/${CLIP}.wav`)).toBeUndefined();
  });

  it('lets media play from this host only', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("media-src 'self'");
  });
});
