-- Scrutin central schema, version 1.
-- The tables that grow with voters and ballots are hash-partitioned (8 ways) so that they
-- can be spread, vacuumed and indexed in parts.
-- Secrecy (ARCHITECTURE.md invariant 3): `ballots` has no credential, no batch, no time and
-- no sequence; `credential_uses` links a credential to the batch that used it, never to a
-- choice. Tallies are small tables updated in the same transaction as the ballots.

CREATE TABLE elections (
  id          text PRIMARY KEY,
  definition  jsonb NOT NULL,
  state       text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed', 'certified')),
  loaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE server_keys (
  name        text PRIMARY KEY,
  private_pem text NOT NULL,
  public_key  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stations (
  election_id text NOT NULL REFERENCES elections (id),
  station_id  text NOT NULL,
  riding      text NOT NULL,
  registered_voters integer NOT NULL DEFAULT 0,
  public_key  text,
  enrolled_at timestamptz,
  revoked_at  timestamptz,
  PRIMARY KEY (election_id, station_id)
);

CREATE TABLE enrolment_tokens (
  token_hash  bytea PRIMARY KEY,
  election_id text NOT NULL,
  station_id  text NOT NULL,
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  FOREIGN KEY (election_id, station_id) REFERENCES stations (election_id, station_id)
);

-- Every valid credential and the one station where it may vote.
CREATE TABLE credentials (
  election_id     text NOT NULL,
  credential_hash bytea NOT NULL,
  station_id      text NOT NULL,
  PRIMARY KEY (election_id, credential_hash)
) PARTITION BY HASH (credential_hash);
CREATE TABLE credentials_p0 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE credentials_p1 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE credentials_p2 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE credentials_p3 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE credentials_p4 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE credentials_p5 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE credentials_p6 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE credentials_p7 PARTITION OF credentials FOR VALUES WITH (MODULUS 8, REMAINDER 7);

CREATE TABLE batches (
  election_id    text NOT NULL,
  station_id     text NOT NULL,
  sequence       integer NOT NULL,
  batch_hash     bytea NOT NULL,
  envelope_count integer NOT NULL,
  status         text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed')),
  accepted       integer,
  duplicates     integer,
  invalid        integer,
  received_at    timestamptz NOT NULL DEFAULT now(),
  processed_at   timestamptz,
  PRIMARY KEY (election_id, station_id, sequence)
);

-- First use of each credential. The primary key is the final word on "one person, one vote".
CREATE TABLE credential_uses (
  election_id     text NOT NULL,
  credential_hash bytea NOT NULL,
  batch_hash      bytea NOT NULL,
  PRIMARY KEY (election_id, credential_hash)
) PARTITION BY HASH (credential_hash);
CREATE TABLE credential_uses_p0 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE credential_uses_p1 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE credential_uses_p2 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE credential_uses_p3 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE credential_uses_p4 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE credential_uses_p5 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE credential_uses_p6 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE credential_uses_p7 PARTITION OF credential_uses FOR VALUES WITH (MODULUS 8, REMAINDER 7);

-- Ballots, opened from their envelopes by the validator. Nothing here says who, when, or
-- in which batch; the random ballot id gives no order either.
CREATE TABLE ballots (
  election_id text NOT NULL,
  ballot_id   uuid NOT NULL,
  riding      text NOT NULL,
  selections  jsonb NOT NULL,
  PRIMARY KEY (election_id, ballot_id)
) PARTITION BY HASH (ballot_id);
CREATE TABLE ballots_p0 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE ballots_p1 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE ballots_p2 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE ballots_p3 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE ballots_p4 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE ballots_p5 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE ballots_p6 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE ballots_p7 PARTITION OF ballots FOR VALUES WITH (MODULUS 8, REMAINDER 7);

-- Refused envelopes: only why and how many, per station.
CREATE TABLE rejected_envelopes (
  election_id text NOT NULL,
  station_id  text NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('invalid-credential', 'wrong-station', 'duplicate', 'invalid-ballot')),
  count       bigint NOT NULL,
  PRIMARY KEY (election_id, station_id, reason)
);

-- Repeated attempts with an already used credential (never tallied).
CREATE TABLE duplicate_attempts (
  election_id     text NOT NULL,
  credential_hash bytea NOT NULL,
  attempts        integer NOT NULL,
  PRIMARY KEY (election_id, credential_hash)
);

-- Single-choice and referendum counts: option is a candidate id, 'oui', 'non' or '' (blank).
CREATE TABLE tally_counts (
  election_id text NOT NULL,
  contest_id  text NOT NULL,
  riding      text NOT NULL,
  option      text NOT NULL,
  count       bigint NOT NULL,
  PRIMARY KEY (election_id, contest_id, riding, option)
);

-- Ranked races: distinct ranking (candidate ids joined by '>', '' for blank) -> ballots.
CREATE TABLE ranking_patterns (
  election_id text NOT NULL,
  contest_id  text NOT NULL,
  pattern     text NOT NULL,
  count       bigint NOT NULL,
  PRIMARY KEY (election_id, contest_id, pattern)
);

-- Ballots counted per station and riding (turnout).
CREATE TABLE station_counts (
  election_id text NOT NULL,
  station_id  text NOT NULL,
  riding      text NOT NULL,
  ballots     bigint NOT NULL,
  PRIMARY KEY (election_id, station_id)
);

CREATE TABLE alerts (
  id          bigserial PRIMARY KEY,
  election_id text NOT NULL,
  station_id  text,
  kind        text NOT NULL,
  detail      jsonb NOT NULL,
  raised_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE officials (
  username      text PRIMARY KEY,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'official', 'observer')),
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash  bytea PRIMARY KEY,
  username    text NOT NULL REFERENCES officials (username),
  csrf_token  text NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  detail      jsonb NOT NULL
);
