import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectionDefinition, ElectionId } from '@scrutin/shared';
import type { CredentialJobPhase } from '@scrutin/shared/api';
import type { Database } from '../db/database.ts';
import type { EventLogger } from '../logger.ts';
import { loadDraftCredentials } from '../elections/store.ts';
import type { DedupStore } from '../pipeline/dedup.ts';
import { describeGenerateCredentialsError, generateCredentials } from './generate.ts';
import { readCentralFile } from './central_file.ts';
import { CENTRAL_FILE } from './manifest.ts';

/**
 * EMBEDDED DEMO ONLY. Credential generation as a background job of the API process, for the
 * console of the embedded demo (`npm start`, SCRUTIN_MODE=demo) and the tests that drive it
 * (SCRUTIN_MODE=test); production refuses to start one (admin_routes.ts). In a real election
 * the authority runs `scrutin credentials generate` offline, prints the cards there, and
 * central loads only central.csv.
 *
 * The job generates every voter's check value (`generateCredentials` on worker threads, with
 * `cards: false`: no voter card is written anywhere, so none can be kept or downloaded), then
 * loads the central file into Postgres and Redis, reporting progress all along. The shards
 * and central file (check values only) stay in a private temporary directory until the
 * process stops or the job is replaced, for building the demo's station kits.
 */

export interface CredentialJobView {
  readonly id: string;
  readonly election: ElectionId;
  readonly phase: CredentialJobPhase;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly totalVoters: number;
  readonly totalStations: number;
  readonly generatedVoters: number;
  readonly generatedStations: number;
  readonly loadedVoters: number;
  readonly error: string | null;
}

interface Job {
  view: CredentialJobView;
  readonly dir: string;
  /** The job made `dir` (and removes it); false for credentials adopted from elsewhere. */
  readonly owned: boolean;
}

export interface CredentialJobDeps {
  readonly db: Database;
  readonly dedup: DedupStore;
  readonly now: () => Date;
  readonly log: EventLogger;
  /** Worker threads for generation (default: the generator's own choice). */
  readonly workers?: number;
}

export class CredentialJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly latest = new Map<ElectionId, string>();

  constructor(private readonly deps: CredentialJobDeps) {}

  get(id: string): CredentialJobView | undefined {
    return this.jobs.get(id)?.view;
  }

  /** The election's most recent job, running or finished. */
  latestOf(election: ElectionId): CredentialJobView | undefined {
    const id = this.latest.get(election);
    return id === undefined ? undefined : this.jobs.get(id)?.view;
  }

  /** Starts a job; the caller has checked that the election may receive credentials. */
  async start(election: ElectionDefinition): Promise<CredentialJobView> {
    const dir = await mkdtemp(join(tmpdir(), `scrutin-credentials-${election.id}-`));
    const id = randomUUID();
    const view: CredentialJobView = {
      id,
      election: election.id,
      phase: 'generating',
      startedAt: this.deps.now().toISOString(),
      finishedAt: null,
      totalVoters: election.stations.reduce((n, s) => n + s.registeredVoters, 0),
      totalStations: election.stations.length,
      generatedVoters: 0,
      generatedStations: 0,
      loadedVoters: 0,
      error: null,
    };
    await this.replace(election.id, { view, dir, owned: true });
    this.deps.log('credentials.job.started', { election: election.id, job: id, voters: view.totalVoters });
    const job = this.jobs.get(id);
    if (job !== undefined) void this.run(job, election);
    return view;
  }

  /**
   * Records credentials generated before this server took the election (the embedded demo
   * generates and loads them at start-up) as the election's finished job, so the console
   * builds the kit of any other station from them instead of refusing: without it, a kit
   * needs a job, and a job is refused because credentials are loaded. `dir` is the
   * generator's output folder; it stays its owner's (never removed here).
   */
  async adopt(election: ElectionDefinition, dir: string, loadedVoters: number): Promise<CredentialJobView> {
    const now = this.deps.now().toISOString();
    const view: CredentialJobView = {
      id: randomUUID(),
      election: election.id,
      phase: 'done',
      startedAt: now,
      finishedAt: now,
      totalVoters: loadedVoters,
      totalStations: election.stations.length,
      generatedVoters: loadedVoters,
      generatedStations: election.stations.length,
      loadedVoters,
      error: null,
    };
    await this.replace(election.id, { view, dir, owned: false });
    return view;
  }

  /** Makes `job` the election's latest, dropping the previous one (and its files, when it made them). */
  private async replace(election: ElectionId, job: Job): Promise<void> {
    const previous = this.latest.get(election);
    this.jobs.set(job.view.id, job);
    this.latest.set(election, job.view.id);
    if (previous === undefined) return;
    const old = this.jobs.get(previous);
    this.jobs.delete(previous);
    if (old?.owned === true) await rm(old.dir, { recursive: true, force: true });
  }

  private update(job: Job, change: Partial<CredentialJobView>): void {
    job.view = { ...job.view, ...change };
  }

  private async run(job: Job, election: ElectionDefinition): Promise<void> {
    try {
      const generated = await generateCredentials({
        election,
        outDir: job.dir,
        force: true,
        cards: false,
        ...(this.deps.workers === undefined ? {} : { workers: this.deps.workers }),
        onProgress: (p) => {
          this.update(job, { generatedVoters: p.voters, generatedStations: p.stations });
        },
      });
      if (!generated.ok) throw new Error(describeGenerateCredentialsError(generated.error));
      this.update(job, { phase: 'loading' });
      const loaded = await loadDraftCredentials(
        this.deps.db,
        this.deps.dedup,
        election.id,
        readCentralFile(join(job.dir, CENTRAL_FILE)),
        (n) => {
          this.update(job, { loadedVoters: n });
        },
      );
      if (!loaded.ok) throw new Error(`credentials are frozen: election ${election.id} is ${loaded.error.state} (opened during the job)`);
      this.update(job, { phase: 'done', loadedVoters: loaded.value, finishedAt: this.deps.now().toISOString() });
      this.deps.log('credentials.job.finished', { election: election.id, job: job.view.id, outcome: 'done', voters: loaded.value });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.update(job, { phase: 'failed', error: message, finishedAt: this.deps.now().toISOString() });
      this.deps.log('credentials.job.finished', { election: election.id, job: job.view.id, outcome: 'failed', error: message });
    }
  }

  /** The output folder of a finished job (manifest.json, shards/, central.csv: no cards), for building station kits. */
  directoryOf(jobId: string): string | undefined {
    const job = this.jobs.get(jobId);
    return job?.view.phase === 'done' ? job.dir : undefined;
  }

  /** Removes every job's files (the server is stopping). */
  async dispose(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => j.owned).map((j) => rm(j.dir, { recursive: true, force: true })));
    this.jobs.clear();
    this.latest.clear();
  }
}
