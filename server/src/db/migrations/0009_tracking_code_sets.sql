-- Tracking codes: one row per batch.
--
-- A tracking code row per ballot (0005–0008) cost Postgres a heap row and an index entry for
-- every ballot, for a table that is read only after the polls close, by the public receipt
-- check. Measured on the pipeline bench (docs/benchmarks.md, "Against format 1"), that row was
-- the largest part of what format 2 added to a ballot's cost. A batch's accepted codes are now
-- one row: `codes` holds them as 8-byte big-endian numbers (a code's 12 Crockford base 32
-- characters are its 60 bits, five to a character), sorted, so the row says nothing of the
-- order the voters cast in, as the sorted code rows did not. It is written in the batch's own
-- transaction, as before: an insider who joins it to the ballots on `xmin` reaches the batch,
-- an anonymity set of at least k ballots of one station, and no fewer (docs/threat-model.md).
--
-- The API answers a receipt check from the sets held in memory (server/src/results/receipts.ts),
-- loading the rows it has not seen yet by `seq`.
--
-- The values are stored out of line only when a batch's set does not fit the page
-- (toast_tuple_target) and never compressed (STORAGE EXTERNAL): random bits do not compress,
-- and trying would cost each batch for nothing.
CREATE TABLE tracking_code_sets (
  election_id text NOT NULL,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  codes       bytea NOT NULL CHECK (length(codes) > 0 AND length(codes) % 8 = 0),
  PRIMARY KEY (election_id, seq)
) WITH (toast_tuple_target = 8160);
ALTER TABLE tracking_code_sets ALTER COLUMN codes SET STORAGE EXTERNAL;

-- The codes already counted, one set per election. A code's value: each character's place in
-- the Crockford alphabet, five bits each, the first character the highest.
INSERT INTO tracking_code_sets (election_id, codes)
SELECT t.election_id, string_agg(int8send(t.v), ''::bytea ORDER BY t.v)
  FROM (SELECT tc.election_id,
               (SELECT sum((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(tc.code, i, 1)) - 1)::bigint << (5 * (12 - i)))
                  FROM generate_series(1, 12) AS i)::bigint AS v
          FROM tracking_codes tc) AS t
 GROUP BY t.election_id
 ORDER BY t.election_id;
DROP TABLE tracking_codes;

DROP FUNCTION scrutin_commit_batch(text, text, integer, bytea, integer, text, bytea, bytea, text, text[], text[], bigint[], text[], text[], bigint[], bytea, integer, text[]);

CREATE FUNCTION scrutin_commit_batch(
  p_election text,
  p_station text,
  p_sequence integer,
  p_batch_hash bytea,
  p_envelope_count integer,
  p_riding text,
  p_accept bytea,
  p_check bytea,
  p_ballots text,
  p_count_contests text[],
  p_count_options text[],
  p_counts bigint[],
  p_pattern_contests text[],
  p_patterns text[],
  p_pattern_counts bigint[],
  p_duplicates bytea,
  p_invalid_ballots integer,
  p_tracking bytea,
  OUT r_already_processed boolean,
  OUT r_accepted integer,
  OUT r_duplicates integer,
  OUT r_invalid integer
) LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_expected integer := length(p_accept) / 32;
  v_check_dups bytea[];
  v_would_accept bigint;
  v_check_invalid bigint;
  v_check_wrong bigint;
  v_dups bytea[];
  v_ballots bigint;
BEGIN
  r_already_processed := false;
  r_accepted := 0;
  r_duplicates := 0;
  r_invalid := 0;
  SELECT b.status INTO v_status FROM batches b
   WHERE b.election_id = p_election AND b.station_id = p_station AND b.sequence = p_sequence
     FOR UPDATE;
  IF v_status = 'processed' THEN
    r_already_processed := true;
    RETURN;
  END IF;
  IF v_status IS NULL THEN
    INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count)
    VALUES (p_election, p_station, p_sequence, p_batch_hash, p_envelope_count);
  END IF;

  -- Each statement on an empty list is skipped: even with nothing to do, opening the
  -- partitions costs.

  -- Credentials Redis refused as invalid: Postgres must refuse them too, as used (a
  -- duplicate) or not valid for this station.
  v_check_dups := '{}';
  v_check_invalid := 0;
  v_check_wrong := 0;
  IF length(p_check) > 0 THEN
    SELECT coalesce(array_agg(h.hash) FILTER (WHERE u.credential_hash IS NOT NULL), '{}'),
           count(*) FILTER (WHERE u.credential_hash IS NULL AND c.station_id = p_station),
           count(*) FILTER (WHERE u.credential_hash IS NULL AND c.station_id IS NULL),
           count(*) FILTER (WHERE u.credential_hash IS NULL AND c.station_id <> p_station)
      INTO v_check_dups, v_would_accept, v_check_invalid, v_check_wrong
      FROM (SELECT substring(p_check FROM i * 32 + 1 FOR 32) AS hash
              FROM generate_series(0, length(p_check) / 32 - 1) AS i) AS h
      LEFT JOIN LATERAL (SELECT station_id FROM credentials
                          WHERE election_id = p_election AND credential_hash = h.hash LIMIT 1) AS c ON true
      LEFT JOIN LATERAL (SELECT credential_hash FROM credential_uses
                          WHERE election_id = p_election AND credential_hash = h.hash LIMIT 1) AS u ON true;
    IF v_would_accept > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'SCR01', MESSAGE = 'a credential Redis refused is valid and unused: take the general path';
    END IF;
  END IF;

  IF v_expected > 0 THEN
    -- The final word on one person, one vote: one primary-key probe per credential (LATERAL …
    -- LIMIT 1 is never flattened into a join that scans the partitions), and the primary key
    -- of credential_uses. No ON CONFLICT (speculative insertion costs half as much again): a
    -- credential already used makes the statement fail with unique_violation, which the
    -- validator takes, like SCR01, as Postgres disagreeing with Redis; nothing is changed.
    INSERT INTO credential_uses (election_id, credential_hash)
    SELECT p_election, c.credential_hash
      FROM (SELECT substring(p_accept FROM i * 32 + 1 FOR 32) AS hash
              FROM generate_series(0, v_expected - 1) AS i) AS h
     CROSS JOIN LATERAL (SELECT credential_hash, station_id FROM credentials
                          WHERE election_id = p_election AND credential_hash = h.hash LIMIT 1) AS c
     WHERE c.station_id = p_station;
    GET DIAGNOSTICS r_accepted = ROW_COUNT;
    IF r_accepted <> v_expected THEN
      RAISE EXCEPTION USING ERRCODE = 'SCR01', MESSAGE = 'a credential Redis accepted is not valid for this station: take the general path';
    END IF;

    -- One ballot per accepted credential, no more, no fewer (a guard against a caller's bug:
    -- it fails the batch, to be retried, rather than count wrong).
    INSERT INTO ballots (election_id, ballot_id, riding, selections)
    SELECT p_election, b.id::uuid, p_riding, b.selections
      FROM jsonb_to_recordset(p_ballots::jsonb) AS b(id text, selections jsonb);
    GET DIAGNOSTICS v_ballots = ROW_COUNT;
    IF v_ballots <> r_accepted THEN
      RAISE EXCEPTION 'scrutin_commit_batch: % ballots for % accepted credentials', v_ballots, r_accepted;
    END IF;

    -- The tracking codes of the accepted envelopes, one row: 8-byte values in numeric order
    -- (the caller packs and sorts them).
    INSERT INTO tracking_code_sets (election_id, codes) VALUES (p_election, p_tracking);
  END IF;

  IF cardinality(p_counts) > 0 THEN
    INSERT INTO tally_counts (election_id, contest_id, riding, option, count)
    SELECT p_election, t.contest, p_riding, t.option, t.n
      FROM unnest(p_count_contests, p_count_options, p_counts) AS t(contest, option, n)
    ON CONFLICT (election_id, contest_id, riding, option) DO UPDATE SET count = tally_counts.count + EXCLUDED.count;
  END IF;
  IF cardinality(p_pattern_counts) > 0 THEN
    INSERT INTO ranking_patterns (election_id, contest_id, pattern, count)
    SELECT p_election, t.contest, t.pattern, t.n
      FROM unnest(p_pattern_contests, p_patterns, p_pattern_counts) AS t(contest, pattern, n)
    ON CONFLICT (election_id, contest_id, pattern) DO UPDATE SET count = ranking_patterns.count + EXCLUDED.count;
  END IF;
  INSERT INTO station_counts (election_id, station_id, riding, ballots) VALUES (p_election, p_station, p_riding, r_accepted)
  ON CONFLICT (election_id, station_id) DO UPDATE SET ballots = station_counts.ballots + EXCLUDED.ballots;

  SELECT coalesce(array_agg(substring(p_duplicates FROM i * 32 + 1 FOR 32)), '{}') || v_check_dups INTO v_dups
    FROM generate_series(0, length(p_duplicates) / 32 - 1) AS i;
  r_duplicates := cardinality(v_dups);
  r_invalid := v_check_invalid + v_check_wrong + p_invalid_ballots;
  INSERT INTO rejected_envelopes (election_id, station_id, reason, count)
  SELECT p_election, p_station, r.reason, r.n
    FROM (VALUES ('duplicate', r_duplicates::bigint), ('invalid-ballot', p_invalid_ballots::bigint), ('invalid-credential', v_check_invalid),
                 ('wrong-station', v_check_wrong)) AS r(reason, n)
   WHERE r.n > 0
   ORDER BY r.reason
  ON CONFLICT (election_id, station_id, reason) DO UPDATE SET count = rejected_envelopes.count + EXCLUDED.count;
  IF r_duplicates > 0 THEN
    INSERT INTO duplicate_attempts (election_id, credential_hash, attempts)
    SELECT p_election, d.h, count(*)::integer FROM unnest(v_dups) AS d(h) GROUP BY d.h ORDER BY d.h
    ON CONFLICT (election_id, credential_hash) DO UPDATE SET attempts = duplicate_attempts.attempts + EXCLUDED.attempts;
  END IF;

  UPDATE batches SET status = 'processed', accepted = r_accepted, duplicates = r_duplicates, invalid = r_invalid, processed_at = now()
   WHERE election_id = p_election AND station_id = p_station AND sequence = p_sequence;
END;
$$;
