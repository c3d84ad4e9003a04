import { describe, expect, it } from 'vitest';
import { STATION_METHODS } from '../api/station_api.ts';
import { BackendCallError, PendingCalls } from './backend_calls.ts';

const timeoutOf = (method: keyof typeof STATION_METHODS) => STATION_METHODS[method].timeoutMs;

function timers() {
  const due: { at: number; run: () => void; live: boolean }[] = [];
  let now = 0;
  return {
    clock: {
      setTimeout(run: () => void, ms: number) {
        const t = { at: now + ms, run, live: true };
        due.push(t);
        return {
          cancel() {
            t.live = false;
          },
        };
      },
    },
    advance(ms: number) {
      now += ms;
      for (const t of due)
        if (t.live && t.at <= now) {
          t.live = false;
          t.run();
        }
    },
  };
}

describe('PendingCalls', () => {
  it('settles a call with its answer and cancels its deadline', async () => {
    const t = timers();
    const calls = new PendingCalls(t.clock);
    const answer = calls.add(1, 'status');
    expect(calls.resolve(1, { ok: true })).toBe(true);
    await expect(answer).resolves.toEqual({ ok: true });
    t.advance(timeoutOf('status'));
    expect(calls.size).toBe(0);
  });

  it('fails a call the backend does not answer in time, and drops the late answer', async () => {
    const t = timers();
    const calls = new PendingCalls(t.clock);
    const answer = calls.add(7, 'cast');
    t.advance(timeoutOf('cast') - 1);
    expect(calls.size).toBe(1);
    t.advance(1);
    await expect(answer).rejects.toThrow(new BackendCallError('the station backend did not answer cast within 30 s'));
    expect(calls.resolve(7, { ok: true })).toBe(false);
  });

  it('gives network and USB calls longer than local ones', () => {
    for (const method of ['loadKit', 'enrol', 'syncNow', 'exportBatches'] as const)
      expect(timeoutOf(method)).toBeGreaterThan(timeoutOf('status'));
  });

  it('fails every waiting call when the backend stops', async () => {
    const t = timers();
    const calls = new PendingCalls(t.clock);
    const a = calls.add(1, 'status');
    const b = calls.add(2, 'syncNow');
    calls.failAll('the station backend stopped');
    await expect(a).rejects.toThrow('the station backend stopped');
    await expect(b).rejects.toThrow('the station backend stopped');
    expect(calls.size).toBe(0);
  });

  it('passes a refusal on as an error', async () => {
    const calls = new PendingCalls(timers().clock);
    const a = calls.add(3, 'enrol');
    expect(calls.reject(3, 'the station backend failed on enrol')).toBe(true);
    await expect(a).rejects.toThrow('the station backend failed on enrol');
  });
});
