import { assertNever, type Result } from '@scrutin/shared';
import type { Bilingual } from '../../api/station_api.ts';

/**
 * Setting the station's clock at setup, offline, from the technician's trusted source
 * (docs/technicians.md, "Setting a station up"). A `ClockSetter` sets the system time; the
 * station backend decides when it may (polls in setup; a poll worker's PIN once a kit is
 * loaded) and writes the audit entry.
 *
 * - Linux, the reference platform: systemd-timedated over D-Bus (timedated_clock.ts), allowed
 *   to the kiosk user by the kiosk system's polkit rule.
 * - The browser host (training, tests): `SimulatedClock` below, which moves the station's own
 *   clock only, never the machine's.
 */
export interface ClockSetter {
  /** Sets the clock to `at` (ms since the epoch, UTC) and turns network time off, so nothing else moves it. */
  set(at: number): Promise<Result<void, ClockError>>;
  close(): void;
}

export type ClockProblem =
  /** The time service (systemd-timedated) cannot be reached. */
  | { readonly kind: 'clock-unavailable'; readonly detail: string }
  /** polkit refused: the kiosk system's rule is missing, or the session is not the active local one. */
  | { readonly kind: 'clock-not-authorized' }
  /** The time service refused the change (its own words). */
  | { readonly kind: 'clock-refused'; readonly detail: string };

export type ClockError = ClockProblem & { readonly message: Bilingual };

export function clockError(problem: ClockProblem): ClockError {
  return { ...problem, message: describeClockProblem(problem) };
}

export function describeClockProblem(p: ClockProblem): Bilingual {
  switch (p.kind) {
    case 'clock-unavailable':
      return {
        fr: `L’horloge du poste ne peut pas être réglée : le service de l’heure ne répond pas (${p.detail}). Avisez le soutien technique.`,
        en: `The station’s clock cannot be set: the time service does not answer (${p.detail}). Tell technical support.`,
      };
    case 'clock-not-authorized':
      return {
        fr: 'Le poste n’a pas le droit de régler l’horloge (règle polkit du système de kiosque absente). Avisez le soutien technique.',
        en: 'The station is not allowed to set the clock (the kiosk system’s polkit rule is missing). Tell technical support.',
      };
    case 'clock-refused':
      return {
        fr: `Le service de l’heure a refusé le réglage (${p.detail}). Avisez le soutien technique.`,
        en: `The time service refused the change (${p.detail}). Tell technical support.`,
      };
    default:
      return assertNever(p, 'clock problem');
  }
}

/**
 * The browser host's clock: an offset over the machine's clock, moved by `set`, that the
 * station reads as its own time (`now`). The machine's clock is never touched. For training,
 * development and the end-to-end tests; a polling station sets its real clock (timedated_clock.ts).
 */
export class SimulatedClock implements ClockSetter {
  private offsetMs = 0;

  constructor(private readonly machine: () => number = Date.now) {}

  /** The station's time: the machine's, moved by the technician's settings. */
  readonly now = (): number => this.machine() + this.offsetMs;

  set(at: number): Promise<Result<void, ClockError>> {
    this.offsetMs = at - this.machine();
    return Promise.resolve({ ok: true, value: undefined });
  }

  close(): void {
    // nothing held
  }
}
