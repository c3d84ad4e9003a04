-- Tracking codes: a plain insert, and no station.
--
-- Measured with pg_stat_statements on the pipeline bench (docs/benchmarks.md, "Where
-- Postgres's share goes"): the tracking-code insert wrote three WAL records a ballot where a
-- heap row and one index entry need two. Migration 0007 dropped the table's unique key but the
-- commit function kept `ON CONFLICT DO NOTHING`, and an INSERT with ON CONFLICT on a table
-- that has any index still takes the speculative-insertion path: a speculative heap insert,
-- the index entry, then a confirmation record, for nothing (there is no arbiter left). The
-- insert is now plain. Two voters who drew the same code still get two rows (0007).
--
-- The station column goes too. Nothing reads it (a receipt check asks "was this code counted in
-- this election?"), and docs/threat-model.md promises that a tracking code is stored "with no
-- link to a ballot or a station": a code's station is one more fact about a voter's ballot
-- that central does not need to keep.
ALTER TABLE tracking_codes DROP COLUMN station_id;

CREATE OR REPLACE FUNCTION scrutin_commit_batch(
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
  p_tracking text[],
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

    -- The tracking codes of the accepted envelopes, in code order (the caller sorts them).
    INSERT INTO tracking_codes (election_id, code)
    SELECT p_election, t.code FROM unnest(p_tracking) AS t(code);
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
