-- 0011_accounts: users with roles, their sessions, the audit log, and an owner and a role for API
-- tokens (issue 16). Secrets are never stored: passwords as scrypt strings with their parameters,
-- session ids as their SHA-256. Times are ISO text, as elsewhere.
CREATE TABLE users (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT    NOT NULL UNIQUE,
  password_hash  TEXT    NOT NULL,
  role           TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
  totp_secret    TEXT,
  totp_last_step INTEGER,
  failed_logins  INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until   TEXT,
  created_at     TEXT    NOT NULL,
  updated_at     TEXT    NOT NULL
) STRICT;

-- A session dies with its user (removal) and is found by the hash of the cookie's id.
CREATE TABLE sessions (
  id_hash      TEXT    PRIMARY KEY CHECK (length(id_hash) = 64),
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   TEXT    NOT NULL,
  last_seen_at TEXT    NOT NULL,
  expires_at   TEXT    NOT NULL,
  csrf_secret  TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

-- Who did what to what, when. The actor's name is copied so the row outlives the user.
CREATE TABLE audit_log (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            TEXT    NOT NULL,
  actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  actor         TEXT    NOT NULL,
  action        TEXT    NOT NULL,
  target        TEXT    NOT NULL,
  detail        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

-- Existing tokens keep working as they did: read-only → viewer, full → admin. A removed user's
-- tokens go with them.
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'editor', 'viewer'));
ALTER TABLE api_tokens ADD COLUMN owner_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE;
UPDATE api_tokens SET role = 'viewer' WHERE read_only = 1;
