import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildInfo } from './build_info.ts';
import { diagnosisCsp, diagnosisHtml } from './diagnosis.ts';

describe('the diagnosis screen', () => {
  const failures = [
    { at: Date.UTC(2026, 10, 2, 13, 0, 0), reason: 'station backend exited (code 1)' },
    { at: Date.UTC(2026, 10, 2, 13, 0, 1), reason: '<script>alert(1)</script>' },
  ];

  it('says what failed, how often and when it is tried again, in French and English', () => {
    const html = diagnosisHtml({ part: 'backend', failures, nextAttemptInMs: 30_000, build: null });
    expect(html).toContain('Ce poste a besoin d’un technicien');
    expect(html).toContain('This station needs a technician');
    expect(html).toContain('2026-11-02T13:00:00.000Z');
    expect(html).toContain('station backend exited (code 1)');
    expect(html).toContain('Next automatic attempt in 30 s');
  });

  it('escapes what it shows and allows only its own inline style', () => {
    const html = diagnosisHtml({ part: 'display', failures, nextAttemptInMs: 500, build: null });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    const style = /<style>(.*)<\/style>/s.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(diagnosisCsp()).toContain(`style-src 'sha256-${hash}'`);
    expect(diagnosisCsp()).toMatch(/^default-src 'none'/);
  });

  it('shows the build a technician compares with the published sums', async () => {
    const asar = Buffer.from('app.asar bytes');
    const info = await buildInfo({
      version: '0.1.0',
      electron: '45.5.0',
      packaged: true,
      asarPath: '/x/app.asar',
      openRead: () => Readable.from([asar]),
    });
    expect(info.asarSha256).toBe(createHash('sha256').update(asar).digest('hex'));
    const html = diagnosisHtml({ part: 'backend', failures, nextAttemptInMs: 1000, build: info });
    expect(html).toContain(info.asarSha256 ?? 'missing');
    expect(
      await buildInfo({
        version: '0.1.0',
        electron: '45.5.0',
        packaged: false,
        asarPath: '/nowhere',
        openRead: () => {
          throw new Error('not read');
        },
      }),
    ).toEqual({ version: '0.1.0', electron: '45.5.0', asarSha256: null });
  });
});
