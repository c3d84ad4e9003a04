import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unwrap } from '@scrutin/shared';
import { GENESIS_HASH, appendAudit, readAuditLog, verifyAuditLog } from './audit_log.ts';
import { openStationDb, type StationDb } from './db.ts';
import { NOW, removeTempDirs, tempDir } from './fixtures.test-support.ts';

afterAll(removeTempDirs);

function logWithEntries(): StationDb {
  const db = unwrap(openStationDb(join(tempDir(), 'station.sqlite')));
  appendAudit(
    db,
    { event: 'kit-loaded', details: { election: 'qc-demo-2026', station: 'ST-00001', voters: 200, shardSha256: 'a'.repeat(64) } },
    NOW,
  );
  appendAudit(db, { event: 'pin-accepted', details: { worker: 'Amélie Tremblay', action: 'open-polls' } }, NOW + 1000);
  appendAudit(db, { event: 'polls-opened', details: { worker: 'Amélie Tremblay' } }, NOW + 2000);
  return db;
}

describe('audit log', () => {
  it('chains each entry to the one before, and verifies', () => {
    const db = logWithEntries();
    const entries = readAuditLog(db);
    expect(entries.map((e) => [e.seq, e.event])).toEqual([
      [1, 'kit-loaded'],
      [2, 'pin-accepted'],
      [3, 'polls-opened'],
    ]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(verifyAuditLog(db)).toEqual({ ok: true, value: { entries: 3, head: entries[2]!.hash } });
    db.close();
  });

  it('is append-only: updates and deletes are refused', () => {
    const db = logWithEntries();
    expect(() => db.prepare("UPDATE audit_log SET event = 'x' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 3').run()).toThrow(/append-only/);
    expect(readAuditLog(db)).toHaveLength(3);
    db.close();
  });

  it('detects a changed, a removed or a forged entry when the triggers are bypassed', () => {
    const tamper = (sql: string) => {
      const db = logWithEntries();
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      db.exec(sql);
      const result = verifyAuditLog(db);
      db.close();
      return result;
    };
    expect(tamper(`UPDATE audit_log SET details = '{"worker":"Mallory"}' WHERE seq = 3`)).toEqual({
      ok: false,
      error: { kind: 'audit-chain-broken', seq: 3, reason: 'wrong-hash' },
    });
    expect(tamper('DELETE FROM audit_log WHERE seq = 2')).toEqual({
      ok: false,
      error: { kind: 'audit-chain-broken', seq: 3, reason: 'sequence-gap' },
    });
    expect(tamper("UPDATE audit_log SET at = '2026-10-05T08:00:00.000Z' WHERE seq = 1")).toEqual({
      ok: false,
      error: { kind: 'audit-chain-broken', seq: 1, reason: 'wrong-hash' },
    });
    expect(tamper(`UPDATE audit_log SET hash = '${'b'.repeat(64)}' WHERE seq = 1`)).toMatchObject({ ok: false, error: { seq: 1 } });
    // Deleting the last entry cannot be seen from the chain alone: the head hash is what to compare.
    expect(tamper('DELETE FROM audit_log WHERE seq = 3')).toMatchObject({ ok: true, value: { entries: 2 } });
  });
});
