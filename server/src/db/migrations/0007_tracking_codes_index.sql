-- Tracking codes without a uniqueness check.
--
-- The primary key (election_id, code) made every receipt a speculative insertion (ON CONFLICT
-- DO NOTHING) compared under the database's collation: on the validator's bulk path that
-- cost more Postgres time than any other row of a ballot. Codes are 60 random bits; two
-- voters drawing the same code (about one chance in 36,000 among 8 million voters) must both
-- find it, which a plain index keeps (two rows) as well as the key did (one row). Codes are
-- compared byte by byte (COLLATE "C"): they are Crockford base 32, whose byte order is also
-- their numeric order. The commit function's ON CONFLICT DO NOTHING now has no arbiter and
-- inserts every row.
ALTER TABLE tracking_codes DROP CONSTRAINT tracking_codes_pkey;
ALTER TABLE tracking_codes ALTER COLUMN code TYPE text COLLATE "C";
CREATE INDEX tracking_codes_lookup ON tracking_codes (election_id, code);
