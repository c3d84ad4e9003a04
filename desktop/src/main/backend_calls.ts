import { STATION_METHODS, type StationMethod } from '../api/station_api.ts';
import type { Clock } from './supervisor.ts';

/**
 * The calls main has relayed to the station backend and not yet seen answered. Each has a
 * deadline: a backend that hangs fails the call with a clear error (the kiosk says so)
 * instead of leaving the page waiting forever. An answer that arrives after its deadline is
 * dropped; the backend has done the work (a cast ballot stays cast, and the next status shows
 * it), only the page was not told.
 */

export class BackendCallError extends Error {
  override readonly name = 'BackendCallError';
}

interface Pending {
  readonly method: StationMethod;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: { cancel(): void };
}

export class PendingCalls {
  private readonly calls = new Map<number, Pending>();

  constructor(private readonly clock: Pick<Clock, 'setTimeout'>) {}

  /** Registers call `id`; the promise settles with its answer, or fails at its deadline. */
  add(id: number, method: StationMethod): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timeoutMs = STATION_METHODS[method].timeoutMs;
      const timer = this.clock.setTimeout(() => {
        if (!this.calls.delete(id)) return;
        reject(new BackendCallError(`the station backend did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.calls.set(id, { method, resolve, reject, timer });
    });
  }

  /** The backend answered call `id`. False if nobody waits for it any more (late or unknown). */
  resolve(id: number, reply: unknown): boolean {
    const call = this.take(id);
    call?.resolve(reply);
    return call !== undefined;
  }

  /** The backend refused or failed call `id`. */
  reject(id: number, message: string): boolean {
    const call = this.take(id);
    call?.reject(new BackendCallError(message));
    return call !== undefined;
  }

  /** Every waiting call fails (the backend stopped). */
  failAll(message: string): void {
    for (const id of [...this.calls.keys()]) this.reject(id, message);
  }

  get size(): number {
    return this.calls.size;
  }

  private take(id: number): Pending | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    call.timer.cancel();
    return call;
  }
}
