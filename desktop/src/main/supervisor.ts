/**
 * Restart loops with exponential backoff, for the station backend's utility process and for
 * the kiosk window's renderer. A part that keeps failing is restarted later and later (0.5 s,
 * 1 s, 2 s… up to a ceiling); after a few failures in a row the shell shows the diagnosis
 * screen (what failed, how often, when the next attempt is) instead of a kiosk that flickers,
 * and keeps trying at the ceiling. A run that lasts `stableAfterMs` wipes the slate.
 *
 * Time and timers are injected: supervisor.test.ts drives them by hand.
 */

export interface RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** Consecutive failures after which the diagnosis screen is shown. */
  readonly diagnosisAfter: number;
  /** A run this long counts as healthy: the failure count starts again from zero. */
  readonly stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  diagnosisAfter: 4,
  stableAfterMs: 60_000,
};

export interface Failure {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly reason: string;
}

export type RestartDecision =
  | { readonly kind: 'restart'; readonly delayMs: number; readonly failures: readonly Failure[] }
  | { readonly kind: 'diagnose'; readonly delayMs: number; readonly failures: readonly Failure[] };

/** How many failures a diagnosis lists (the most recent ones). */
const KEPT_FAILURES = 10;

/** The restart policy's memory: when the current run started, and the failures since the last healthy run. */
export class RestartTracker {
  private startedAt: number | null = null;
  private failures: Failure[] = [];

  constructor(
    private readonly policy: RestartPolicy,
    private readonly now: () => number,
  ) {}

  /** The part was (re)started. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The part failed: when to try again, and whether to show the diagnosis screen. */
  failed(reason: string): RestartDecision {
    const at = this.now();
    if (this.startedAt !== null && at - this.startedAt >= this.policy.stableAfterMs) this.failures = [];
    this.startedAt = null;
    this.failures = [...this.failures, { at, reason }].slice(-KEPT_FAILURES);
    const count = this.consecutiveFailures();
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * this.policy.factor ** (count - 1));
    const failures = [...this.failures];
    return count >= this.policy.diagnosisAfter ? { kind: 'diagnose', delayMs, failures } : { kind: 'restart', delayMs, failures };
  }

  /** Whether the current run has lasted long enough to be called healthy. */
  healthy(): boolean {
    return this.startedAt !== null && this.now() - this.startedAt >= this.policy.stableAfterMs;
  }

  private consecutiveFailures(): number {
    return this.failures.length;
  }
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): { cancel(): void };
}

/** One run of the supervised process. */
export interface SupervisedRun {
  stop(): void;
}

export type SupervisorState =
  | { readonly kind: 'running' }
  | { readonly kind: 'restarting'; readonly delayMs: number; readonly failures: readonly Failure[] }
  | { readonly kind: 'diagnosis'; readonly delayMs: number; readonly failures: readonly Failure[] }
  | { readonly kind: 'stopped' };

export interface SupervisorOptions {
  readonly policy: RestartPolicy;
  readonly clock: Clock;
  /** Starts one run; `onExit` is called once when that run ends, with a reason for the diagnosis. */
  spawn(onExit: (reason: string) => void): SupervisedRun;
  onState(state: SupervisorState): void;
}

export interface Supervisor {
  start(): void;
  /** Stops for good (shutdown): no restart after this. */
  stop(): void;
  state(): SupervisorState;
}

/** Runs a process and restarts it when it exits, with the backoff of `policy`. */
export function supervise(options: SupervisorOptions): Supervisor {
  const tracker = new RestartTracker(options.policy, () => options.clock.now());
  let current: SupervisedRun | null = null;
  let pending: { cancel(): void } | null = null;
  let healthCheck: { cancel(): void } | null = null;
  let state: SupervisorState = { kind: 'stopped' };
  let stopped = false;

  const setState = (next: SupervisorState) => {
    state = next;
    options.onState(next);
  };

  const run = () => {
    pending = null;
    if (stopped) return;
    let exited = false;
    tracker.started();
    const wasDiagnosing = state.kind === 'diagnosis';
    // A diagnosis screen stays up until the process has run long enough to be trusted again.
    if (!wasDiagnosing) setState({ kind: 'running' });
    healthCheck = options.clock.setTimeout(() => {
      healthCheck = null;
      if (!exited && !stopped && state.kind === 'diagnosis') setState({ kind: 'running' });
    }, options.policy.stableAfterMs);
    current = options.spawn((reason) => {
      if (exited) return;
      exited = true;
      current = null;
      healthCheck?.cancel();
      healthCheck = null;
      if (stopped) return;
      const decision = tracker.failed(reason);
      setState({ kind: decision.kind === 'diagnose' ? 'diagnosis' : 'restarting', delayMs: decision.delayMs, failures: decision.failures });
      pending = options.clock.setTimeout(run, decision.delayMs);
    });
  };

  return {
    start() {
      if (current !== null || pending !== null) return;
      stopped = false;
      run();
    },
    stop() {
      stopped = true;
      pending?.cancel();
      pending = null;
      healthCheck?.cancel();
      healthCheck = null;
      const running = current;
      current = null;
      running?.stop();
      setState({ kind: 'stopped' });
    },
    state: () => state,
  };
}
