import { describe, expect, it } from 'vitest';
import { CentralUrlSchema, PIN_PATTERN, isAllowedCentralUrl } from './station_kit.ts';

/** Issue 12: a kit reaches central over https only (plain http to this machine only), and PINs have 6 to 12 digits. */
describe('the station kit schema', () => {
  it('takes https central URLs, and plain http only for 127.0.0.1, ::1 and localhost', () => {
    for (const url of [
      'https://central.example.org',
      'https://central.example.org:8443/base/',
      'http://127.0.0.1:8080',
      'http://[::1]:3000',
      'http://localhost',
    ])
      expect(isAllowedCentralUrl(url), url).toBe(true);
    for (const url of [
      'http://central.example.org',
      'http://10.0.0.5',
      'http://127.0.0.1.evil.example',
      'http://localhost.evil.example',
      'http://[::2]',
      'ftp://central.example.org',
      'https://user:secret@central.example.org',
      'central.example.org',
      '',
    ])
      expect(isAllowedCentralUrl(url), url).toBe(false);
    expect(CentralUrlSchema.safeParse('http://central.example.org').success).toBe(false);
    expect(CentralUrlSchema.safeParse('https://central.example.org').success).toBe(true);
  });

  it('takes PINs of 6 to 12 digits only', () => {
    for (const pin of ['123456', '123456789012']) expect(PIN_PATTERN.test(pin), pin).toBe(true);
    for (const pin of ['1234', '12345', '1234567890123', '12345a', ' 123456']) expect(PIN_PATTERN.test(pin), pin).toBe(false);
  });
});
