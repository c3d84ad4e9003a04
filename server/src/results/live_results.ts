import { createHash } from 'node:crypto';
import type { ElectionDefinition, ElectionId, NationalResults } from '@scrutin/shared';
import type { Queryable } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';
import { liveResults, resultsChange } from './tally_store.ts';

/**
 * The live results of each election, computed once per results version and shared by every
 * reader: `GET …/results` (and its riding and referendum views) and every event stream. A
 * reader is served the snapshot in hand while it is younger than `freshnessMs` (the event
 * streams' tick asks for a fresh one); after that, one reader checks the version (one small
 * query) for all, and only a new version is computed, once, however many readers wait for it. The first computation of a version also
 * writes its wire forms: the JSON body with its ETag, and the server-sent event.
 */
export interface ResultsSnapshot {
  readonly election: ElectionId;
  readonly version: string;
  /** When the last change committed (ms since the epoch), null before any. */
  readonly changedAtMs: number | null;
  readonly results: NationalResults;
  /** The body of `GET …/results` as JSON. */
  readonly body: Buffer;
  /** A strong ETag of `body`. */
  readonly etag: string;
  /** The `results` event of the stream, framed, encoded once for every stream. */
  readonly event: Buffer;
}

/** One version of an election's results, before it takes a wire form. */
export interface ResultsValue {
  readonly election: ElectionId;
  readonly version: string;
  readonly results: NationalResults;
}

interface Entry {
  readonly definition: ElectionDefinition;
  snapshot: ResultsSnapshot | undefined;
  checkedAt: number;
  pending: Promise<ResultsSnapshot> | undefined;
}

/** Maps (IRV tallies, transfers) become plain objects in JSON, as in the app's responses. */
const replacer = (_key: string, value: unknown): unknown => (value instanceof Map ? Object.fromEntries(value) : value);

export class LiveResults {
  private readonly entries = new Map<ElectionId, Entry>();

  constructor(
    private readonly deps: {
      readonly db: Queryable;
      readonly metrics: Metrics;
      /** How long a checked version is served without checking again. */
      readonly freshnessMs?: number;
      readonly clock?: () => number;
      /** The wire forms (the API's contracts): the answer of `GET …/results` and the event's data. */
      readonly wire: {
        readonly body: (value: ResultsValue) => unknown;
        readonly event: (value: ResultsValue) => unknown;
      };
    },
  ) {}

  /**
   * The election's current snapshot. `maxAgeMs` (default `freshnessMs`) is how old a checked
   * version may be: the event streams' tick passes 0, so a change is broadcast at its first tick.
   */
  async snapshot(election: ElectionDefinition, maxAgeMs = this.deps.freshnessMs ?? 500): Promise<ResultsSnapshot> {
    const now = (this.deps.clock ?? Date.now)();
    let entry = this.entries.get(election.id);
    // A definition saved again (a draft being edited) is another election to compute.
    if (entry?.definition !== election) {
      entry = { definition: election, snapshot: undefined, checkedAt: 0, pending: undefined };
      this.entries.set(election.id, entry);
    }
    if (entry.snapshot !== undefined && now - entry.checkedAt < maxAgeMs) return entry.snapshot;
    const current = entry;
    current.pending ??= this.refresh(current).finally(() => {
      current.pending = undefined;
    });
    return current.pending;
  }

  private async refresh(entry: Entry): Promise<ResultsSnapshot> {
    const checkedAt = (this.deps.clock ?? Date.now)();
    const { version, changedAtMs } = await resultsChange(this.deps.db, entry.definition.id);
    if (entry.snapshot?.version === version) {
      entry.checkedAt = checkedAt;
      return entry.snapshot;
    }
    const results = await liveResults(this.deps.db, entry.definition);
    this.deps.metrics.resultsComputations.inc();
    const value: ResultsValue = { election: entry.definition.id, version, results };
    const body = Buffer.from(JSON.stringify(this.deps.wire.body(value), replacer), 'utf8');
    const snapshot: ResultsSnapshot = {
      election: entry.definition.id,
      version,
      changedAtMs,
      results,
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`,
      event: Buffer.from(`event: results\nid: ${version}\ndata: ${JSON.stringify(this.deps.wire.event(value), replacer)}\n\n`, 'utf8'),
    };
    entry.snapshot = snapshot;
    entry.checkedAt = checkedAt;
    return snapshot;
  }
}

/** Whether an If-None-Match header names `etag` (weak comparison, as for GET; `*` matches any). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === opaque);
}
