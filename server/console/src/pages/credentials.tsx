import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { centralFileSlices, describeCentralFileError } from '@scrutin/shared';
import { call, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, MAX_CREDENTIALS_PER_REQUEST, type CredentialGeneration, type CredentialJob } from '@scrutin/shared/api';
import { formatDateTime, formatInt } from '../components/format.ts';
import { FailureView, PageHeader, Progress, Stat, WithCode } from '../components/ui.tsx';
import { useCurrentElection } from '../state/current_election.ts';

const POLL_MS = 700;

interface Upload {
  readonly file: string;
  readonly loaded: number;
  readonly total: number;
  readonly done: boolean;
}

/**
 * Voter credentials on central: the check values of central.csv, which the authority generates
 * offline (`scrutin credentials generate`, where the cards are printed), loaded here in slices.
 * The server never holds a voter card. The embedded demo (only) can also generate check values
 * in the server, as a background job that writes no card.
 */
export function CredentialsPage() {
  const { t } = useTranslation();
  const { election, definition } = useCurrentElection();
  const [job, setJob] = useState<CredentialJob | null>(null);
  const [generation, setGeneration] = useState<CredentialGeneration | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [uploadFailure, setUploadFailure] = useState<ApiFailure | null>(null);
  useEffect(() => {
    let stop = false;
    void call(API.latestCredentialJob, { id: election }).then((r) => {
      if (!stop && r.ok) {
        setJob(r.value.job);
        setGeneration(r.value.generation);
      }
    });
    return () => {
      stop = true;
    };
  }, [election]);
  const running = job !== null && (job.phase === 'generating' || job.phase === 'loading');
  const jobId = job?.id;
  useEffect(() => {
    if (!running || jobId === undefined) return;
    const timer = setInterval(() => {
      void call(API.credentialJob, { id: election, job: jobId }).then((r) => {
        if (r.ok) setJob(r.value);
      });
    }, POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [running, jobId, election]);

  const start = async () => {
    const result = await call(API.startCredentialJob, { id: election });
    if (result.ok) {
      setJob(result.value);
      setFailure(null);
    } else setFailure(result.error);
  };

  const totalVoters = (definition?.stations ?? []).reduce((n, s) => n + s.registeredVoters, 0);
  const uploading = upload !== null && !upload.done;

  // Streams the file: one request per slice of MAX_CREDENTIALS_PER_REQUEST check values.
  const load = async (file: File) => {
    setUploadFailure(null);
    let loaded = 0;
    setUpload({ file: file.name, loaded, total: totalVoters, done: false });
    for await (const slice of centralFileSlices(file.stream(), MAX_CREDENTIALS_PER_REQUEST)) {
      if (!slice.ok) {
        setUploadFailure({ code: 'invalid-file', status: 0, message: '', text: describeCentralFileError(slice.error) });
        setUpload({ file: file.name, loaded, total: totalVoters, done: true });
        return;
      }
      const result = await call(API.loadCredentials, { id: election }, { body: { entries: [...slice.value] } });
      if (!result.ok) {
        setUploadFailure(result.error);
        setUpload({ file: file.name, loaded, total: totalVoters, done: true });
        return;
      }
      loaded += result.value.loaded;
      setUpload({ file: file.name, loaded, total: totalVoters, done: false });
    }
    setUpload({ file: file.name, loaded, total: totalVoters, done: true });
  };

  return (
    <div className="page" data-testid="credentials">
      <PageHeader title={t('pages.credentials')} subtitle={t('credentials.subtitle')} />
      <section className="panel" data-testid="central-file">
        <h2>{t('credentials.loadTitle')}</h2>
        <p className="muted">
          <WithCode text={t('credentials.offline')} />
        </p>
        <label className="file-input">
          <span>{t('credentials.centralFile')}</span>
          <input
            type="file"
            accept=".csv,text/csv"
            disabled={uploading}
            data-testid="central-file-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file !== undefined) void load(file);
            }}
          />
        </label>
        {uploadFailure !== null && <FailureView failure={uploadFailure} />}
        {upload !== null && (
          <div data-testid="central-upload" data-done={upload.done ? 'true' : 'false'}>
            <p className="small muted">{t('credentials.uploaded', { file: upload.file, loaded: formatInt(upload.loaded) })}</p>
            <Progress value={upload.loaded} max={upload.total} label={t('credentials.loading')} />
          </div>
        )}
      </section>
      {generation === 'demo' && (
        <section className="panel" data-testid="demo-generation">
          <div className="panel-title-row">
            <h2>
              {t('credentials.generate')}{' '}
              <span className="badge warn" data-testid="demo-only">
                {t('credentials.demoOnly')}
              </span>
            </h2>
            <button type="button" className="primary" onClick={() => void start()} disabled={running} data-testid="generate">
              {t('credentials.generateButton')}
            </button>
          </div>
          <p className="notice notice-warn">
            <WithCode text={t('credentials.demoIntro')} />
          </p>
          {failure !== null && <FailureView failure={failure} />}
          {job !== null && (
            <div className="job" data-testid="credential-job" data-phase={job.phase}>
              <div className="stats compact">
                <Stat
                  label={t('credentials.phaseLabel')}
                  value={t(`credentials.phase.${job.phase}`)}
                  tone={job.phase === 'failed' ? 'bad' : job.phase === 'done' ? 'good' : undefined}
                />
                <Stat label={t('credentials.voters')} value={formatInt(job.totalVoters)} />
                <Stat label={t('credentials.stations')} value={`${formatInt(job.generatedStations)} / ${formatInt(job.totalStations)}`} />
                <Stat label={t('credentials.loaded')} value={formatInt(job.loadedVoters)} />
              </div>
              <p className="small muted">{t('credentials.generating')}</p>
              <Progress value={job.generatedVoters} max={job.totalVoters} label={t('credentials.generating')} />
              <p className="small muted">{t('credentials.loading')}</p>
              <Progress value={job.loadedVoters} max={job.totalVoters} label={t('credentials.loading')} />
              <p className="small muted">
                {t('credentials.started', { at: formatDateTime(job.startedAt) })}
                {job.finishedAt !== null && ` · ${t('credentials.finished', { at: formatDateTime(job.finishedAt) })}`}
              </p>
              {job.error !== null && <div className="notice notice-bad">{job.error}</div>}
            </div>
          )}
        </section>
      )}
    </div>
  );
}
