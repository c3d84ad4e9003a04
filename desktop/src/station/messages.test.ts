import { describe, expect, it } from 'vitest';
import { describeStationProblem } from './messages.ts';

describe('enrolment refusals, as a technician reads them', () => {
  it('says an expired token is expired, and an enrolled station needs the returning officer, in French and English', () => {
    const expired = describeStationProblem({ kind: 'enrolment-refused', code: 'token-expired', status: 410, detail: '' });
    expect(expired.fr).toMatch(/expiré/);
    expect(expired.en).toMatch(/expired/);
    const enrolled = describeStationProblem({ kind: 'enrolment-refused', code: 'station-already-enrolled', status: 409, detail: '' });
    expect(enrolled.fr).toMatch(/déjà inscrit/);
    expect(enrolled.en).toMatch(/already enrolled/);
    const other = describeStationProblem({ kind: 'enrolment-refused', code: 'bad-enrolment-token', status: 403, detail: '' });
    expect(other.en).toContain('bad-enrolment-token');
    for (const m of [expired, enrolled, other]) expect(m.fr).not.toBe(m.en);
  });
});
