-- 0002_api_tokens: bearer tokens for the JSON API. Only the SHA-256 of a token is kept (hex), so a
-- copy of the database (a backup, a support bundle) grants nothing; the token itself is printed
-- once by `mcpwatch token create`. Revoking deletes the row. A token is 32 random bytes, so an
-- unsalted hash is enough: there is no dictionary to attack.
CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT    NOT NULL,
  hash         TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64),
  read_only    INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
  created_at   TEXT    NOT NULL,
  last_used_at TEXT
) STRICT;
