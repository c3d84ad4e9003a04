-- Scrutin central schema, version 4: enrolment tokens that cannot take a station over.
--
-- A token is single use and expires (docs/protocol.md §2). Enrolling a station, or revoking
-- it, invalidates every other token of that station still unused, so a token handed out
-- earlier (or copied on its way to the technician) cannot later replace the station's key.
-- A token records the key that used it, so only that same key may replay the enrolment,
-- and who issued it, so the audit entry of an enrolment names the official behind it.

ALTER TABLE enrolment_tokens ADD COLUMN issued_by text;
ALTER TABLE enrolment_tokens ADD COLUMN used_public_key text;
ALTER TABLE enrolment_tokens ADD COLUMN invalidated_at timestamptz;
ALTER TABLE enrolment_tokens ADD COLUMN invalidated_reason text
  CHECK (invalidated_reason IN ('station-enrolled', 'station-revoked'));
ALTER TABLE enrolment_tokens ADD CONSTRAINT enrolment_tokens_invalidated_with_reason
  CHECK ((invalidated_at IS NULL) = (invalidated_reason IS NULL));

-- Tokens issued before this version and still unused: the ones of a station already enrolled
-- and not revoked could replace its key. They are invalidated now, as enrolment would have.
UPDATE enrolment_tokens t
   SET invalidated_at = now(), invalidated_reason = 'station-enrolled'
  FROM stations s
 WHERE s.election_id = t.election_id AND s.station_id = t.station_id
   AND t.used_at IS NULL
   AND s.public_key IS NOT NULL AND s.revoked_at IS NULL;

-- The unused tokens of a station, found when it enrols or is revoked.
CREATE INDEX enrolment_tokens_station_unused ON enrolment_tokens (election_id, station_id)
  WHERE used_at IS NULL AND invalidated_at IS NULL;

-- How many times the station's key was replaced after a revocation (0: its first key).
ALTER TABLE stations ADD COLUMN key_generation integer NOT NULL DEFAULT 0;
