import { describe, expect, it } from 'vitest';
import { CONSOLE_API, pathOf, ReceiptParamsSchema, receiptPageUrl, ReceiptSchema } from './index.ts';

describe('the receipt check contract', () => {
  it('reads the code of the path as a voter types it, and refuses what is not a code', () => {
    const read = (code: string) => ReceiptParamsSchema.safeParse({ id: 'qc-demo-2026', code });
    expect(read('7Q2M-9K4X-H3TD').data?.code).toBe('7Q2M9K4XH3TD');
    expect(read(' 7q2m 9k4x h3td ').data?.code).toBe('7Q2M9K4XH3TD');
    // O is read as 0, I and L as 1.
    expect(read('OOII-LLOO-IL01').data?.code).toBe('001111001101');
    for (const bad of ['', '7Q2M-9K4X-H3T', '7Q2M-9K4X-H3TDX', 'UUUU-UUUU-UUUU', '7Q2M'.repeat(20)])
      expect(read(bad).success, bad).toBe(false);
  });

  it('answers three fields and nothing else: a station or a ballot in the answer is refused', () => {
    const answer = { election: 'qc-demo-2026', code: '7Q2M-9K4X-H3TD', status: 'counted' };
    expect(ReceiptSchema.parse(answer)).toEqual(answer);
    expect(ReceiptSchema.safeParse({ ...answer, station: 'ST-00001' }).success).toBe(false);
    expect(ReceiptSchema.safeParse({ ...answer, code: '7Q2M9K4XH3TD' }).success).toBe(false);
    expect(ReceiptSchema.safeParse({ ...answer, status: 'rejected' }).success).toBe(false);
  });

  it('is a public endpoint, and the kiosk prints the console page at central’s public address', () => {
    expect('role' in CONSOLE_API.receipt).toBe(false);
    expect(pathOf(CONSOLE_API.receipt, { id: 'qc-demo-2026', code: '7Q2M-9K4X-H3TD' })).toBe(
      '/elections/qc-demo-2026/receipts/7Q2M-9K4X-H3TD',
    );
    expect(receiptPageUrl('https://central.example.org')).toBe('https://central.example.org/console/receipt');
    expect(receiptPageUrl('https://central.example.org/')).toBe('https://central.example.org/console/receipt');
  });
});
