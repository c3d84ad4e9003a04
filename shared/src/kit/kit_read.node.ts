import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { sha256OfFile } from '../crypto/hash.node.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { findStation, parseElection } from '../election/election.ts';
import { modeOf } from '../election/mode.ts';
import type { Sha256Hex } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { issuesOf } from '../validation.ts';
import { KIT_AUDIO_DIR } from './kit_audio.ts';
import { commitKitAudio, stageKitAudio } from './kit_audio_read.node.ts';
import { readRidingIndexMeta } from './riding_index.node.ts';
import {
  KIT_FILE,
  KIT_JSON_MAX_BYTES,
  RIDING_INDEX_FILE,
  RIDING_INDEX_FORMAT_VERSION,
  SHARD_APPLICATION_ID,
  SHARD_FORMAT_VERSION,
  StationKitSchema,
  type KitError,
  type StationKit,
  type StationKitFile,
} from './station_kit.ts';
import { copyFileNoFollow, readFileNoFollow } from './no_follow.node.ts';

/** Reads and checks kit.json (without the shard): at most KIT_JSON_MAX_BYTES of it, never through a link. */
export function readStationKit(
  dir: string,
): Result<{ readonly kit: StationKitFile; readonly election: ElectionDefinition; readonly kitSha256: Sha256Hex }, KitError> {
  const path = join(dir, KIT_FILE);
  let bytes: Buffer;
  let json: unknown;
  try {
    const read = readFileNoFollow(path, KIT_JSON_MAX_BYTES);
    if (!read.ok) return err({ kind: 'kit-unsafe', reason: 'too-large', file: KIT_FILE, maxBytes: read.error.maxBytes });
    bytes = read.value;
  } catch (error) {
    return err({ kind: 'kit-unreadable', path, reason: error instanceof Error ? error.message : String(error) });
  }
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return err({
      kind: 'kit-invalid',
      issues: [{ path: KIT_FILE, message: `not JSON: ${error instanceof Error ? error.message : String(error)}` }],
    });
  }
  const parsed = StationKitSchema.safeParse(json);
  if (!parsed.success) return err({ kind: 'kit-invalid', issues: issuesOf(parsed.error) });
  const kit = parsed.data;
  const election = parseElection(kit.election);
  if (!election.ok)
    return err({ kind: 'kit-invalid', issues: election.error.map((i) => ({ path: `election.${i.path}`, message: i.message })) });
  if (kit.mode !== modeOf(election.value)) {
    return err({
      kind: 'kit-invalid',
      issues: [
        { path: 'mode', message: `the kit says ${kit.mode} but its election ${election.value.id} is a ${modeOf(election.value)} election` },
      ],
    });
  }
  const station = findStation(election.value, kit.stationId);
  if (station === undefined)
    return err({
      kind: 'kit-invalid',
      issues: [{ path: 'stationId', message: `station ${kit.stationId} is not in election ${election.value.id}` }],
    });
  if (station.riding !== kit.riding) {
    return err({
      kind: 'kit-invalid',
      issues: [{ path: 'riding', message: `station ${kit.stationId} votes in ${station.riding}, not ${kit.riding}` }],
    });
  }
  return ok({ kit, election: election.value, kitSha256: createHash('sha256').update(bytes).digest('hex') as Sha256Hex });
}

/** Copies `from` to `to`.incoming; the caller checks the copy then renames it. */
function copyIncoming(from: string, to: string): Result<string, KitError> {
  const incoming = `${to}.incoming`;
  rmSync(incoming, { force: true });
  try {
    mkdirSync(dirname(to), { recursive: true });
    copyFileNoFollow(from, incoming);
  } catch (error) {
    return err({ kind: 'kit-unreadable', path: from, reason: error instanceof Error ? error.message : String(error) });
  }
  return ok(incoming);
}

/**
 * Loads a kit: checks kit.json (and, for a station already set up, that the kit is for the
 * same election and station), copies the shard to `shardPath` and the riding index and the
 * audio folder, if the kit has them, next to it (RIDING_INDEX_FILE, KIT_AUDIO_DIR), replacing
 * earlier copies only once the new ones are verified. What is checked is what is used.
 */
export function loadStationKit(
  dir: string,
  shardPath: string,
  expected?: { readonly election: string; readonly station: string },
): Result<StationKit, KitError> {
  const read = readStationKit(dir);
  if (!read.ok) return read;
  const { kit, election, kitSha256 } = read.value;
  if (expected !== undefined && expected.election !== election.id)
    return err({ kind: 'kit-other-election', expected: expected.election, actual: election.id });
  if (expected !== undefined && expected.station !== kit.stationId)
    return err({ kind: 'kit-other-station', expected: expected.station, actual: kit.stationId });
  const indexPath = join(dirname(shardPath), RIDING_INDEX_FILE);
  const shard = copyIncoming(join(dir, kit.shard.file), shardPath);
  if (!shard.ok) return shard;
  const checked = checkShard(shard.value, kit, election);
  if (!checked.ok) {
    rmSync(shard.value, { force: true });
    return checked;
  }
  let index: string | undefined;
  if (kit.ridingIndex !== undefined) {
    const copied = copyIncoming(join(dir, kit.ridingIndex.file), indexPath);
    if (!copied.ok) {
      rmSync(shard.value, { force: true });
      return copied;
    }
    index = copied.value;
    const indexChecked = checkRidingIndex(index, kit, election);
    if (!indexChecked.ok) {
      rmSync(shard.value, { force: true });
      rmSync(index, { force: true });
      return indexChecked;
    }
  }
  const audioPath = join(dirname(shardPath), KIT_AUDIO_DIR);
  let audio: string | undefined;
  if (kit.audio !== undefined) {
    const staged = stageKitAudio(dir, kit.audio, audioPath);
    if (!staged.ok) {
      rmSync(shard.value, { force: true });
      if (index !== undefined) rmSync(index, { force: true });
      return staged;
    }
    audio = staged.value;
  }
  renameSync(shard.value, shardPath);
  if (index !== undefined) renameSync(index, indexPath);
  else rmSync(indexPath, { force: true });
  commitKitAudio(audio, audioPath);
  return ok({
    election,
    stationId: kit.stationId,
    riding: kit.riding,
    centralUrl: kit.centralUrl,
    centralPublicKey: kit.centralPublicKey,
    centralExportKey: kit.centralExportKey,
    pollWorkers: kit.pollWorkers,
    shardSha256: kit.shard.sha256,
    voters: kit.shard.voters,
    kitSha256,
    ridingIndexSha256: kit.ridingIndex?.sha256 ?? null,
  });
}

/** The shard copy: its SHA-256 is the kit's, and its meta row names the kit's election, station, riding and voter count. */
export function checkShard(path: string, kit: StationKitFile, election: ElectionDefinition): Result<void, KitError> {
  const actual = sha256OfFile(path);
  if (actual !== kit.shard.sha256) return err({ kind: 'kit-shard-tampered', expected: kit.shard.sha256, actual });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const applicationId = Number(db.pragma('application_id', { simple: true }));
    if (applicationId !== SHARD_APPLICATION_ID)
      return err({ kind: 'kit-shard-mismatch', reason: 'the shard file is not a Scrutin credential shard' });
    const meta = db
      .prepare<[], { format_version: number; election_id: string; station_id: string; riding: string; voter_count: number }>(
        'SELECT format_version, election_id, station_id, riding, voter_count FROM meta WHERE id = 1',
      )
      .get();
    if (meta === undefined) return err({ kind: 'kit-shard-mismatch', reason: 'the shard has no meta row' });
    if (meta.format_version !== SHARD_FORMAT_VERSION)
      return err({ kind: 'kit-shard-mismatch', reason: `shard format ${meta.format_version} is not supported` });
    if (meta.election_id !== election.id) return err({ kind: 'kit-other-election', expected: election.id, actual: meta.election_id });
    if (meta.station_id !== kit.stationId) return err({ kind: 'kit-other-station', expected: kit.stationId, actual: meta.station_id });
    if (meta.riding !== kit.riding)
      return err({ kind: 'kit-shard-mismatch', reason: `the shard is for riding ${meta.riding}, the kit for ${kit.riding}` });
    if (meta.voter_count !== kit.shard.voters)
      return err({ kind: 'kit-shard-mismatch', reason: `the shard has ${meta.voter_count} voters, the kit says ${kit.shard.voters}` });
    return ok(undefined);
  } catch (error) {
    return err({
      kind: 'kit-shard-mismatch',
      reason: `the shard cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    });
  } finally {
    db?.close();
  }
}

/** The riding index copy: its SHA-256 is the kit's, and it covers other stations of the kit's riding only. */
export function checkRidingIndex(path: string, kit: StationKitFile, election: ElectionDefinition): Result<void, KitError> {
  const declared = kit.ridingIndex;
  if (declared === undefined) return ok(undefined);
  const actual = sha256OfFile(path);
  if (actual !== declared.sha256) return err({ kind: 'kit-shard-tampered', expected: declared.sha256, actual });
  const meta = readRidingIndexMeta(path);
  if (!meta.ok) return err({ kind: 'kit-shard-mismatch', reason: meta.error });
  const m = meta.value;
  if (m.formatVersion !== RIDING_INDEX_FORMAT_VERSION)
    return err({ kind: 'kit-shard-mismatch', reason: `riding index format ${m.formatVersion} is not supported` });
  if (m.electionId !== election.id) return err({ kind: 'kit-other-election', expected: election.id, actual: m.electionId });
  if (m.riding !== kit.riding)
    return err({ kind: 'kit-shard-mismatch', reason: `the riding index is for riding ${m.riding}, the kit for ${kit.riding}` });
  if (m.stationCount !== declared.stations || m.voterCount !== declared.voters || m.stationIds.length !== declared.stations) {
    return err({ kind: 'kit-shard-mismatch', reason: 'the riding index does not hold the stations and voters the kit says' });
  }
  for (const id of m.stationIds) {
    const station = election.stations.find((s) => s.id === id);
    if (id === kit.stationId || station === undefined || station.riding !== kit.riding) {
      return err({
        kind: 'kit-shard-mismatch',
        reason: `the riding index names station ${id}, which is not another station of riding ${kit.riding}`,
      });
    }
  }
  return ok(undefined);
}
