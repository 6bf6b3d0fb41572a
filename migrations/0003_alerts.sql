-- 0003_alerts: the alert outbox and what the alert rules remember. Every message is written here
-- (in the same transaction as the rule state and the events cursor that produced it) before any
-- attempt to send it, so a crash loses nothing and derives nothing twice.

-- One row per (alert, channel). Status:
--   pending    waiting for its first or next attempt at due_ms;
--   delivered  a receiver accepted it;
--   dead       a dead letter: the retry limit was reached or the receiver refused it for good;
--   suppressed derived but deliberately not sent (maintenance window, flapping, or no change to
--              what receivers were told), kept so "why was I not told?" has an answer.
-- idempotency_key is sent with every attempt (header, Message-ID) so receivers can drop repeats;
-- UNIQUE makes deriving the same alert again a no-op.
-- No foreign key on endpoint_id: a dead letter must outlive the endpoint it was about.
CREATE TABLE alert_outbox (
  id                INTEGER PRIMARY KEY,
  idempotency_key   TEXT    NOT NULL UNIQUE,
  channel           TEXT    NOT NULL,
  kind              TEXT    NOT NULL,
  endpoint_id       INTEGER,
  status            TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'suppressed')),
  suppressed_reason TEXT,
  -- The AlertMessage as sent: never a secret (no channel URL, no endpoint URL).
  message           TEXT    NOT NULL CHECK (json_valid(message)),
  attempts          INTEGER NOT NULL DEFAULT 0,
  -- ms since the epoch; only meaningful while pending.
  due_ms            INTEGER,
  last_error        TEXT,
  created_at        TEXT    NOT NULL,
  updated_at        TEXT    NOT NULL,
  delivered_at      TEXT
) STRICT;
CREATE INDEX alert_outbox_due ON alert_outbox (due_ms) WHERE status = 'pending';
CREATE INDEX alert_outbox_dead ON alert_outbox (id) WHERE status = 'dead';
CREATE INDEX alert_outbox_created ON alert_outbox (created_at);

-- AlertEndpointState as JSON, one row per endpoint (open incident as announced, reminder cadence,
-- auth state, recent changes for flap limits, certificate thresholds fired per fingerprint).
CREATE TABLE alert_state (
  endpoint_id INTEGER PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  data        TEXT    NOT NULL CHECK (json_valid(data)),
  updated_at  TEXT    NOT NULL
) STRICT;

-- events_cursor: the id of the last row of `events` the alert rules have consumed (absent until
-- alerting first runs, which starts from the newest event rather than replaying history).
-- instance_id: random, mixed into idempotency keys so two installations sending to one receiver
-- cannot collide.
CREATE TABLE alert_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO alert_meta (key, value) VALUES ('instance_id', lower(hex(randomblob(16))));
