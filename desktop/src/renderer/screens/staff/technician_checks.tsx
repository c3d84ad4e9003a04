import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { KIOSK_PRINTER, MIN_FREE_DISK_BYTES, type KioskBuild, type MachineCheck } from '../../../api/kiosk_shell.ts';
import type { StationStatus } from '../../../api/station_api.ts';
import { stationApi } from '../../backend/api.ts';
import { kioskShell } from '../../backend/shell.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useDateTime } from './panels.tsx';

/** The clock may be this far from central's (as the station's own link check tolerates). */
const CLOCK_TOLERANCE_MS = 120_000;
const GIB = 1024 * 1024 * 1024;

/** What the build panel shows while the hash is computed, or when it cannot be had. */
type BuildState = { readonly kind: 'loading' } | { readonly kind: 'failed' } | { readonly kind: 'known'; readonly build: KioskBuild };

/**
 * The running build, as VxSuite shows its software hash: the version and the SHA-256 the
 * technician compares with the release's signed SHA256SUMS (docs/technicians.md).
 */
export function TechnicianBuild() {
  const { t } = useTranslation();
  const [state, setState] = useState<BuildState>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    kioskShell()
      .build()
      .then(
        (build) => {
          if (live) setState({ kind: 'known', build });
        },
        () => {
          if (live) setState({ kind: 'failed' });
        },
      );
    return () => {
      live = false;
    };
  }, []);
  if (state.kind === 'loading') return <p className="muted">{t('tech.build.loading')}</p>;
  if (state.kind === 'failed')
    return (
      <p className="message message--error" role="alert">
        {t('tech.build.failed')}
      </p>
    );
  const { build } = state;
  return (
    <dl className="facts" data-testid="build-info">
      <dt>{t('tech.build.version')}</dt>
      <dd>{build.version}</dd>
      <dt>{t('tech.build.host')}</dt>
      <dd>
        {build.host === 'electron' ? t('tech.build.electron') : t('tech.build.browser')} <span className="muted">({build.runtime})</span>
      </dd>
      <dt>{build.hashOf === 'app.asar' ? t('tech.build.asarHash') : t('tech.build.rendererHash')}</dt>
      <dd className="mono" data-testid="build-hash">
        {build.sha256 ?? t('tech.build.unpackaged')}
      </dd>
    </dl>
  );
}

export type PreflightItem = 'touchscreen' | 'printer' | 'disk' | 'clock';
export type PreflightOutcome = { readonly item: PreflightItem; readonly ok: boolean; readonly words: string };

/** Whether the screen takes touch (a coarse pointer, or touch points). */
function hasTouchscreen(): boolean {
  return window.matchMedia('(any-pointer: coarse)').matches || navigator.maxTouchPoints > 0;
}

/**
 * The hardware pre-flight: the touchscreen, the kiosk's printer queue, the data folder's free
 * space and the clock (against central's, when the station is enrolled and central answers). Every item says
 * what is wrong and what to do; none of them blocks the setup (the technician decides).
 */
export function TechnicianPreflight(props: { readonly status: StationStatus }) {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const dateTime = useDateTime();
  const [machine, setMachine] = useState<MachineCheck | null>(null);
  /** Central's clock minus the station's, or null when it could not be measured. */
  const [skew, setSkew] = useState<number | null>(null);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const enrolled = props.status.enrolledAt !== null;
      const [checked, link] = await Promise.all([kioskShell().checkMachine(), enrolled ? stationApi().checkConnection({}) : null]);
      setSkew(link?.ok === true ? link.value.clockSkewMs : null);
      setMachine(checked);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  const gib = (bytes: number) =>
    new Intl.NumberFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 1 }).format(bytes / GIB);
  const outcomes = (m: MachineCheck): readonly PreflightOutcome[] => {
    const touch = hasTouchscreen();
    const printer = m.printers.includes(KIOSK_PRINTER);
    const disk = m.disk.freeBytes >= MIN_FREE_DISK_BYTES;
    const clock =
      skew === null
        ? { ok: false, words: t('tech.preflight.clockUnchecked', { time: dateTime(m.time) }) }
        : Math.abs(skew) <= CLOCK_TOLERANCE_MS
          ? { ok: true, words: t('tech.preflight.clockOk', { time: dateTime(m.time), seconds: String(Math.round(skew / 1000)) }) }
          : { ok: false, words: t('tech.preflight.clockOff', { time: dateTime(m.time), seconds: String(Math.round(skew / 1000)) }) };
    return [
      { item: 'touchscreen', ok: touch, words: touch ? t('tech.preflight.touchOk') : t('tech.preflight.touchMissing') },
      {
        item: 'printer',
        ok: printer,
        words: printer
          ? t('tech.preflight.printerOk', { queue: KIOSK_PRINTER })
          : t('tech.preflight.printerMissing', { queue: KIOSK_PRINTER }),
      },
      {
        item: 'disk',
        ok: disk,
        words: t(disk ? 'tech.preflight.diskOk' : 'tech.preflight.diskLow', { free: gib(m.disk.freeBytes), min: gib(MIN_FREE_DISK_BYTES) }),
      },
      { item: 'clock', ...clock },
    ];
  };
  return (
    <div className="check">
      <button type="button" className="button button--secondary" disabled={busy} onClick={() => void run()}>
        {t('tech.preflight.run')}
      </button>
      {failed && (
        <p className="message message--error" role="alert">
          {t('tech.preflight.failed')}
        </p>
      )}
      {machine !== null && (
        <ul className="checklist" aria-live="polite" data-testid="preflight">
          {outcomes(machine).map((o) => (
            <li key={o.item} className={o.ok ? 'ok' : 'bad'} data-item={o.item} data-ok={String(o.ok)}>
              {o.words}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
