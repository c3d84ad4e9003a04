import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ElectionId, ElectionMode, Sha256Hex, StationId } from '@scrutin/shared';
import {
  batchHash,
  EnrolResponseSchema,
  generateStationKeyPair,
  refusalOf,
  SignedReceiptSchema,
  signBatch,
  SYNC_ENDPOINTS,
  syncUrl,
  verifyReceipt,
  type EnrolRequest,
  type Envelope,
  type PublicKey,
  type SignedBatch,
  type SignedReceipt,
  type StationKeyPair,
} from '@scrutin/shared/protocol';

/**
 * A minimal station client of the sync protocol (docs/protocol.md): enrol, send signed,
 * chained batches, verify receipts, with the protocol's own schemas
 * (@scrutin/shared/protocol). The load generator and the tests use it; the real station
 * backend (desktop/src/station) keeps its chain in its database, this one in memory.
 */
export type SendOutcome =
  | { readonly kind: 'accepted'; readonly receipt: SignedReceipt; readonly status: number }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string; readonly message: string };

export class StationClient {
  readonly keys: StationKeyPair;
  private sequence = 0;
  private previous: Sha256Hex | null = null;
  centralKey: PublicKey | null = null;

  constructor(
    readonly baseUrl: string,
    readonly election: ElectionId,
    readonly station: StationId,
    keys?: StationKeyPair,
    /** The election's mode, signed into every batch header (a live station by default). */
    readonly mode: ElectionMode = 'live',
  ) {
    this.keys = keys ?? generateStationKeyPair();
  }

  async enrol(token: string): Promise<void> {
    const response = await fetch(syncUrl(this.baseUrl, SYNC_ENDPOINTS.enrol), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        election: this.election,
        station: this.station,
        token,
        publicKey: this.keys.publicKey,
      } satisfies EnrolRequest),
    });
    const body: unknown = await response.json();
    const enrolled = EnrolResponseSchema.safeParse(body);
    if (!response.ok || !enrolled.success) {
      const refused = refusalOf(response.status, body);
      throw new Error(`enrolment refused: ${refused.code} ${refused.message}`);
    }
    this.centralKey = enrolled.data.centralPublicKey;
  }

  /** Signs the next batch in this station's chain; `final` for the last one, at close. */
  nextBatch(envelopes: readonly Envelope[], final = false): SignedBatch {
    const batch = signBatch(
      {
        election: this.election,
        station: this.station,
        mode: this.mode,
        sequence: this.sequence + 1,
        previousBatchHash: this.previous,
        final,
        envelopes,
      },
      this.keys.privateKeyPem,
    );
    this.sequence += 1;
    this.previous = batchHash(batch.header);
    return batch;
  }

  async send(batch: SignedBatch | string): Promise<SendOutcome> {
    const response = await postJson(
      syncUrl(this.baseUrl, SYNC_ENDPOINTS.batches),
      typeof batch === 'string' ? batch : JSON.stringify(batch),
    );
    const body: unknown = JSON.parse(response.text);
    if (response.status === 202) {
      const receipt = SignedReceiptSchema.parse(body);
      if (this.centralKey !== null && !verifyReceipt(receipt, this.centralKey))
        throw new Error('the receipt is not signed by the central key');
      return { kind: 'accepted', receipt, status: response.status };
    }
    const { code, message } = refusalOf(response.status, body);
    return { kind: 'refused', status: response.status, code, message };
  }
}

/**
 * Batches go out over plain node:http with kept-alive connections: `fetch` costs the load
 * generator several times more CPU per request, which the pipeline benchmark would count
 * against the machine it measures.
 */
const agent = new Agent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

function postJson(url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const options = {
      method: 'POST',
      agent: secure ? httpsAgent : agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body, 'utf8') },
    };
    const req = (secure ? httpsRequest : request)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body, 'utf8');
  });
}
