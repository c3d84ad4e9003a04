import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SetupKits, StationError } from '../../../api/station_api.ts';
import { stationApi } from '../../backend/api.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { ErrorMessage } from './panels.tsx';

/**
 * The kits on the USB drives, for a station without a kit (setupKits): every drive plugged in,
 * and on each the kits found, checked on the drive; a refused kit says why and cannot be
 * chosen. Choosing one loads it from that drive and folder (the backend checks it again).
 */
export function TechnicianKits(props: { readonly disabled: boolean }) {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const refresh = useStationStore((s) => s.refresh);
  const [found, setFound] = useState<SetupKits | null>(null);
  const [error, setError] = useState<StationError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } finally {
      setBusy(false);
    }
  };
  const search = () =>
    run(async () => {
      const answer = await stationApi().setupKits({});
      if (answer.ok) setFound(answer.value);
      else setError(answer.error);
    });
  const load = (drive: string, folder: string) =>
    run(async () => {
      const answer = await stationApi().loadKit({ drive, folder });
      if (!answer.ok) setError(answer.error);
      await refresh();
    });

  return (
    <div className="check" data-testid="usb-kits">
      <button type="button" className="button button--primary" disabled={busy || props.disabled} onClick={() => void search()}>
        {t('tech.kits.search')}
      </button>
      {found !== null && found.drives.length === 0 && <p className="muted">{t('tech.kits.noDrive')}</p>}
      {found?.drives.map((drive) => (
        <section key={drive.id} aria-label={t('tech.kits.drive', { label: drive.label, device: drive.device })}>
          <h3>{t('tech.kits.drive', { label: drive.label, device: drive.device })}</h3>
          {drive.kits.length === 0 ? (
            <p className="muted">{t('tech.kits.none')}</p>
          ) : (
            <ul className="checklist">
              {drive.kits.map((kit) => {
                const what =
                  kit.kit === null
                    ? kit.folder
                    : t('tech.kits.kit', {
                        stationName: kit.kit.stationName[language],
                        station: kit.kit.station,
                        voters: String(kit.kit.voters),
                        election: kit.kit.electionName[language],
                      });
                return (
                  <li key={kit.folder} className={kit.problem === null ? 'ok' : 'bad'} data-folder={kit.folder}>
                    <span>{what}</span>{' '}
                    {kit.problem === null ? (
                      <button
                        type="button"
                        className="button button--secondary"
                        disabled={busy || props.disabled}
                        aria-label={`${t('tech.kits.load')} — ${what}`}
                        onClick={() => void load(drive.id, kit.folder)}
                      >
                        {t('tech.kits.load')}
                      </button>
                    ) : (
                      <span className="message message--error">{kit.problem[language]}</span>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      ))}
      <ErrorMessage error={error} />
    </div>
  );
}
