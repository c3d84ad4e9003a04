import { describe, expect, it } from 'vitest';
import { RestartTracker, supervise, type Clock, type RestartPolicy, type SupervisorState } from './supervisor.ts';

const POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 8_000, factor: 2, diagnosisAfter: 4, stableAfterMs: 60_000 };

/** Time that moves only when the test says so. */
class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private timers: { at: number; run: () => void; live: boolean }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number) {
    const timer = { at: this.time + ms, run, live: true };
    this.timers.push(timer);
    return {
      cancel() {
        timer.live = false;
      },
    };
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      due.live = false;
      due.run();
    }
    this.time = until;
  }
}

describe('RestartTracker', () => {
  it('backs off exponentially up to the ceiling and asks for the diagnosis after repeated failures', () => {
    const clock = new ManualClock();
    const tracker = new RestartTracker(POLICY, () => clock.now());
    const decisions = [];
    for (let i = 0; i < 7; i += 1) {
      tracker.started();
      clock.advance(100);
      decisions.push(tracker.failed(`exit ${i}`));
    }
    expect(decisions.map((d) => d.delayMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(decisions.map((d) => d.kind)).toEqual(['restart', 'restart', 'restart', 'diagnose', 'diagnose', 'diagnose', 'diagnose']);
    expect(decisions[6]?.failures.map((f) => f.reason)).toEqual(['exit 0', 'exit 1', 'exit 2', 'exit 3', 'exit 4', 'exit 5', 'exit 6']);
  });

  it('forgets past failures after a run that lasted long enough', () => {
    const clock = new ManualClock();
    const tracker = new RestartTracker(POLICY, () => clock.now());
    for (let i = 0; i < 3; i += 1) {
      tracker.started();
      tracker.failed('crash');
    }
    tracker.started();
    clock.advance(POLICY.stableAfterMs);
    expect(tracker.healthy()).toBe(true);
    const next = tracker.failed('crash after a good hour');
    expect(next).toMatchObject({ kind: 'restart', delayMs: 500 });
    expect(next.failures).toHaveLength(1);
  });
});

describe('supervise', () => {
  function harness() {
    const clock = new ManualClock();
    const states: SupervisorState[] = [];
    const runs: { exit: (reason: string) => void; stopped: boolean }[] = [];
    const supervisor = supervise({
      policy: POLICY,
      clock,
      spawn(onExit) {
        const run = { exit: onExit, stopped: false };
        runs.push(run);
        return {
          stop() {
            run.stopped = true;
          },
        };
      },
      onState(state) {
        states.push(state);
      },
    });
    return { clock, states, runs, supervisor };
  }

  it('restarts a process that exits, later each time', () => {
    const { clock, runs, supervisor } = harness();
    supervisor.start();
    expect(runs).toHaveLength(1);
    runs[0]?.exit('code 1');
    expect(supervisor.state()).toMatchObject({ kind: 'restarting', delayMs: 500 });
    clock.advance(499);
    expect(runs).toHaveLength(1);
    clock.advance(1);
    expect(runs).toHaveLength(2);
    expect(supervisor.state()).toEqual({ kind: 'running' });
    runs[1]?.exit('code 1');
    clock.advance(999);
    expect(runs).toHaveLength(2);
    clock.advance(1);
    expect(runs).toHaveLength(3);
  });

  it('shows the diagnosis after repeated failures, keeps trying, and leaves it once a run is healthy', () => {
    const { clock, runs, supervisor, states } = harness();
    supervisor.start();
    for (let i = 0; i < 4; i += 1) {
      runs[i]?.exit(`code ${i}`);
      clock.advance(POLICY.maxDelayMs);
    }
    expect(states.some((s) => s.kind === 'diagnosis')).toBe(true);
    expect(runs).toHaveLength(5);
    // The fifth run is up: the diagnosis stays until it has lasted stableAfterMs.
    expect(supervisor.state().kind).toBe('diagnosis');
    clock.advance(POLICY.stableAfterMs);
    expect(supervisor.state()).toEqual({ kind: 'running' });
  });

  it('stops for good on stop(): no restart after a shutdown', () => {
    const { clock, runs, supervisor } = harness();
    supervisor.start();
    runs[0]?.exit('code 1');
    supervisor.stop();
    clock.advance(60_000);
    expect(runs).toHaveLength(1);
    expect(supervisor.state()).toEqual({ kind: 'stopped' });

    const second = harness();
    second.supervisor.start();
    second.supervisor.stop();
    expect(second.runs[0]?.stopped).toBe(true);
    second.runs[0]?.exit('killed');
    second.clock.advance(60_000);
    expect(second.runs).toHaveLength(1);
  });
});
