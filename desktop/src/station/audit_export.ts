import { z } from 'zod';
import { readAuditLog, AUDIT_TAG, type AuditEntry } from './audit_log.ts';
import type { StationDb } from './db.ts';

/**
 * The station's audit log in the shape of the NIST SP 1500-101 Election Event Logging common
 * data format (JSON, the `EventLogging.*` classes): one `Device` (the station) holding one
 * `Event` per log entry. `Sequence` is the entry's number, `Hash` its chained hash (SHA-256,
 * `HashType` "sha-256"), `Details` the canonical JSON of its details plus the previous hash,
 * so the export can be re-verified entry by entry (docs/station-kit.md).
 */
export const EventDispositionSchema = z.enum(['failure', 'na', 'success', 'other']);
export type EventDisposition = z.infer<typeof EventDispositionSchema>;

export const CdfEventSchema = z.object({
  '@type': z.literal('EventLogging.Event'),
  Id: z.string().min(1),
  Sequence: z.string().min(1),
  TimeStamp: z.iso.datetime({ offset: true }),
  Type: z.string().min(1),
  Description: z.string().optional(),
  Details: z.string().optional(),
  Disposition: EventDispositionSchema,
  Hash: z.string().optional(),
  Severity: z.string().optional(),
  UserId: z.string().optional(),
});
export type CdfEvent = z.infer<typeof CdfEventSchema>;

export const CdfDeviceSchema = z.object({
  '@type': z.literal('EventLogging.Device'),
  Id: z.string().min(1),
  Manufacturer: z.string().optional(),
  Model: z.string().optional(),
  Type: z.enum([
    'adjudication',
    'ballot-activation',
    'bmd',
    'ballot-printing',
    'blank-ballot-printing',
    'dre',
    'dre-controller',
    'electronic-cast',
    'electronic-cast-paper',
    'electronic-poll-book',
    'ems',
    'scan-batch',
    'scan-single',
    'transmission-sending',
    'transmission-receiving',
    'other',
  ]),
  OtherType: z.string().optional(),
  Version: z.string().optional(),
  HashType: z.enum(['md6', 'sha-256', 'sha-512', 'other']).optional(),
  Details: z.string().optional(),
  Event: z.array(CdfEventSchema),
});

export const ElectionEventLogSchema = z.object({
  '@type': z.literal('EventLogging.ElectionEventLog'),
  Details: z.string().optional(),
  Device: z.array(CdfDeviceSchema),
  ElectionId: z.string().optional(),
  GeneratedTime: z.iso.datetime({ offset: true }),
});
export type ElectionEventLog = z.infer<typeof ElectionEventLogSchema>;

/** What each station event is, for the `Type` (the vendor's category), `Description` and `Disposition`. */
const EVENT_CATALOGUE: Record<
  string,
  { readonly type: string; readonly description: string; readonly disposition: EventDisposition; readonly severity?: string }
> = {
  'kit-loaded': { type: 'user-action', description: 'Station kit loaded and verified', disposition: 'success' },
  'kit-refused': { type: 'user-action', description: 'Station kit refused', disposition: 'failure', severity: 'warning' },
  'station-key-generated': { type: 'system-action', description: 'Station signing key generated', disposition: 'success' },
  'enrolment-succeeded': { type: 'user-action', description: 'Station enrolled with the central server', disposition: 'success' },
  'enrolment-failed': { type: 'user-action', description: 'Station enrolment failed', disposition: 'failure', severity: 'warning' },
  'pin-accepted': { type: 'user-action', description: 'Poll worker PIN accepted', disposition: 'success' },
  'pin-refused': { type: 'user-action', description: 'Poll worker PIN refused', disposition: 'failure', severity: 'warning' },
  'pin-lockout': {
    type: 'system-action',
    description: 'PIN entry locked after repeated failures',
    disposition: 'na',
    severity: 'critical',
  },
  'polls-opened': { type: 'user-action', description: 'Polls opened', disposition: 'success' },
  'polls-closed': { type: 'user-action', description: 'Polls closed', disposition: 'success' },
  'batch-synced': { type: 'application-action', description: 'Batch acknowledged by a verified central receipt', disposition: 'success' },
  'receipt-refused': {
    type: 'application-status',
    description: 'Central receipt did not verify; batch kept unsynced',
    disposition: 'failure',
    severity: 'warning',
  },
  'sync-halted': {
    type: 'application-status',
    description: 'Sync stopped on a permanent refusal',
    disposition: 'failure',
    severity: 'critical',
  },
  'clock-warning': {
    type: 'system-status',
    description: 'Station clock far from the central clock',
    disposition: 'na',
    severity: 'warning',
  },
  'batches-exported': { type: 'user-action', description: 'Unsynced batches exported to a file', disposition: 'success' },
  'export-failed': { type: 'user-action', description: 'Batch export failed', disposition: 'failure', severity: 'warning' },
  'backup-written': { type: 'user-action', description: 'Full sealed backup written at close', disposition: 'success' },
  'backup-failed': { type: 'user-action', description: 'Full backup failed', disposition: 'failure', severity: 'warning' },
  'logic-and-accuracy': { type: 'user-action', description: 'Logic-and-accuracy test deck run and rolled back', disposition: 'success' },
  'report-printed': { type: 'user-action', description: 'Report sent to the station printer', disposition: 'success' },
  'printing-resumed': { type: 'user-action', description: 'Printer resumed; pending reports printed', disposition: 'success' },
  'closing-report': { type: 'user-action', description: 'Signed closing report produced', disposition: 'success' },
};

function toEvent(entry: AuditEntry): CdfEvent {
  const known = EVENT_CATALOGUE[entry.event];
  const details = entry.details as Record<string, unknown>;
  const worker = typeof details.worker === 'string' ? details.worker : undefined;
  return {
    '@type': 'EventLogging.Event',
    Id: entry.event,
    Sequence: String(entry.seq),
    TimeStamp: entry.at,
    Type: known?.type ?? 'other',
    Description: known?.description ?? entry.event,
    Details: JSON.stringify({ details: entry.details, previousHash: entry.prevHash, hashTag: AUDIT_TAG }),
    Disposition: known?.disposition ?? 'other',
    Hash: entry.hash,
    ...(known?.severity === undefined ? {} : { Severity: known.severity }),
    ...(worker === undefined ? {} : { UserId: worker }),
  };
}

export interface AuditExportDevice {
  /** The station id (the device's identifier in the log). */
  readonly id: string;
  readonly election: string | undefined;
  readonly version: string;
}

/** The whole audit log as a NIST SP 1500-101 ElectionEventLog. */
export function auditLogAsCdf(db: StationDb, device: AuditExportDevice, now: number): ElectionEventLog {
  return {
    '@type': 'EventLogging.ElectionEventLog',
    Device: [
      {
        '@type': 'EventLogging.Device',
        Id: device.id,
        Manufacturer: 'Scrutin',
        Model: 'Scrutin polling station',
        Type: 'electronic-cast',
        Version: device.version,
        HashType: 'sha-256',
        Details: 'Hash-chained: Hash = SHA-256(tag ‖ 0x00 ‖ canonical({seq, at, event, details, prev})), tag and prev in each Details.',
        Event: readAuditLog(db).map(toEvent),
      },
    ],
    ...(device.election === undefined ? {} : { ElectionId: device.election }),
    GeneratedTime: new Date(now).toISOString(),
  };
}
