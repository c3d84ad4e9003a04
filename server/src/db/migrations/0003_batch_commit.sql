-- Scrutin central schema, version 3: the validator's commit of one batch in one statement, and
-- a covering primary key on credentials.
--
-- The validator used to write a batch with a dozen statements inside BEGIN … COMMIT, each a
-- round trip and a parse/bind/execute on both sides. `scrutin_commit_batch` does the same
-- writes in one call, which is one implicit transaction: all of it commits, or none of it.
-- It takes the common path only: every credential Redis called a first use (or this batch's
-- own) is accepted by Postgres, and every credential Redis called invalid is refused by
-- Postgres too. When Postgres disagrees (Redis was lost or is stale) it raises SQLSTATE SCR01
-- (or unique_violation) and changes nothing; the validator then runs its general path,
-- statement by statement (pipeline/validator.ts), where Postgres decides credential by
-- credential. The validator calls it outside any transaction of its own, so the batch is
-- durable (synchronous_commit stays on) before the message is acknowledged.
--
-- Secrecy (ARCHITECTURE.md invariant 3) is as with the separate statements: the credentials
-- and the ballots arrive as two unrelated lists (the ballots shuffled, and only ballots whose
-- credential is accepted), so nothing here can pair a credential with a choice, and nothing
-- stored does. (The ballots table still has no credential, batch or time.) Credentials travel
-- as raw 32-byte hashes, concatenated, in a binary bytea parameter: no hex on either side.
--
--   p_accept     the credentials expected to be accepted (Redis: first use or own)
--   p_check      the credentials expected to be refused (Redis: not valid for this station)
--   p_ballots    JSON array of {id, selections}: the ballots of p_accept, shuffled
--   p_duplicates credentials refused before Postgres (Redis duplicate, repeat in the batch),
--                one entry per attempt
-- Tally increments arrive sorted by key, so concurrent validators lock shared rows in one order.

-- The validator's probe of a credential reads its station: carried in the primary key's index
-- (INCLUDE), the probe is an index-only scan and never visits the table's pages, one random
-- page read per ballot fewer at national scale. (Index-only once the table is vacuumed, which
-- the credential loader does after loading; until then it reads the table, as before.)
ALTER TABLE credentials DROP CONSTRAINT credentials_pkey;
ALTER TABLE credentials ADD PRIMARY KEY (election_id, credential_hash) INCLUDE (station_id);

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
  IF length(p_check) > 0 THEN
    SELECT coalesce(array_agg(h.hash) FILTER (WHERE u.credential_hash IS NOT NULL), '{}'),
           count(*) FILTER (WHERE u.credential_hash IS NULL AND c.station_id = p_station),
           count(*) FILTER (WHERE u.credential_hash IS NULL AND c.station_id IS DISTINCT FROM p_station)
      INTO v_check_dups, v_would_accept, v_check_invalid
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
    INSERT INTO credential_uses (election_id, credential_hash, batch_hash)
    SELECT p_election, c.credential_hash, p_batch_hash
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
  r_invalid := v_check_invalid + p_invalid_ballots;
  INSERT INTO rejected_envelopes (election_id, station_id, reason, count)
  SELECT p_election, p_station, r.reason, r.n
    FROM (VALUES ('duplicate', r_duplicates::bigint), ('invalid-ballot', p_invalid_ballots::bigint), ('invalid-credential', v_check_invalid)) AS r(reason, n)
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
