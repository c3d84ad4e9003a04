-- Scrutin central schema, version 6: officials can be disabled, and failed logins back off per
-- (official, client address) instead of locking the account for everyone.

-- Set while an admin has disabled the official: no login, no session (docs/operators.md).
ALTER TABLE officials ADD COLUMN disabled_at timestamptz;

-- The account-wide lockout is gone: a stranger's guesses must not lock the real official out.
ALTER TABLE officials DROP COLUMN failed_logins;
ALTER TABLE officials DROP COLUMN locked_until;

-- Failed logins of one official from one client (a normalised address: IPv4, an IPv6 /64, or
-- "loopback"). Each failure beyond the free ones doubles the wait before the next attempt is
-- checked; a success removes the row.
CREATE TABLE login_backoff (
  username        text NOT NULL REFERENCES officials (username) ON DELETE CASCADE,
  client          text NOT NULL,
  failures        integer NOT NULL,
  blocked_until   timestamptz NOT NULL,
  last_failure_at timestamptz NOT NULL,
  PRIMARY KEY (username, client)
);
