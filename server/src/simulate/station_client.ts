import {
  batchHash,
  generateStationKeyPair,
  SignedReceiptSchema,
  signBatch,
  verifyReceipt,
  type ElectionId,
  type Envelope,
  type PublicKey,
  type Sha256Hex,
  type SignedBatch,
  type SignedReceipt,
  type StationId,
  type StationKeyPair,
} from '@scrutin/shared/node';

/**
 * A minimal station client of the sync protocol (docs/protocol.md): enrol, send signed,
 * chained batches, verify receipts. The load generator and the tests use it; the real
 * station backend lives in desktop/src/station.
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
  ) {
    this.keys = keys ?? generateStationKeyPair();
  }

  async enrol(token: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/v1/stations/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ election: this.election, station: this.station, token, publicKey: this.keys.publicKey }),
    });
    const body = (await response.json()) as { centralPublicKey?: PublicKey; error?: { code: string; message: string } };
    if (!response.ok || body.centralPublicKey === undefined) throw new Error(`enrolment refused: ${body.error?.code ?? response.status} ${body.error?.message ?? ''}`);
    this.centralKey = body.centralPublicKey;
  }

  /** Signs the next batch in this station's chain. */
  nextBatch(envelopes: readonly Envelope[]): SignedBatch {
    const batch = signBatch(
      { election: this.election, station: this.station, sequence: this.sequence + 1, previousBatchHash: this.previous, envelopes },
      this.keys.privateKeyPem,
    );
    this.sequence += 1;
    this.previous = batchHash(batch.body);
    return batch;
  }

  async send(batch: SignedBatch | string): Promise<SendOutcome> {
    const response = await fetch(`${this.baseUrl}/api/v1/sync/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof batch === 'string' ? batch : JSON.stringify(batch),
    });
    const body: unknown = await response.json();
    if (response.status === 202) {
      const receipt = SignedReceiptSchema.parse(body);
      if (this.centralKey !== null && !verifyReceipt(receipt, this.centralKey)) throw new Error('the receipt is not signed by the central key');
      return { kind: 'accepted', receipt, status: response.status };
    }
    const error = (body as { error?: { code?: string; message?: string } }).error;
    return { kind: 'refused', status: response.status, code: error?.code ?? 'unknown', message: error?.message ?? '' };
  }
}
