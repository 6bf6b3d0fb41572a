-- 0009_registries: endpoints synced from an MCP registry (issue 15).
--
-- 1. A fourth endpoint source, 'registry'. SQLite cannot alter a CHECK constraint, so the
--    endpoints table is rebuilt by SQLite's documented procedure (create, copy, drop, rename),
--    which needs foreign keys OFF: with them on, dropping `endpoints` would cascade-delete every
--    endpoint's history. The marker below tells the migrator to switch them off around this file
--    and to run PRAGMA foreign_key_check before committing.
-- migrate: foreign_keys=off
CREATE TABLE endpoints_0009 (
  -- AUTOINCREMENT: ids are never reused (see 0001); the sequence is carried over below.
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  slug          TEXT    NOT NULL UNIQUE,
  name          TEXT    NOT NULL,
  url           TEXT    NOT NULL,
  interval_s    INTEGER NOT NULL CHECK (interval_s > 0),
  timeout_ms    INTEGER NOT NULL CHECK (timeout_ms > 0),
  era           TEXT    NOT NULL DEFAULT 'auto' CHECK (era IN ('auto', 'modern', 'streamable', 'sse')),
  public        INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
  paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  paused_reason TEXT,
  tags          TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  list_tools    INTEGER NOT NULL DEFAULT 1 CHECK (list_tools IN (0, 1)),
  allow_private INTEGER NOT NULL DEFAULT 0 CHECK (allow_private IN (0, 1)),
  source        TEXT    NOT NULL CHECK (source IN ('config', 'api', 'import', 'registry')),
  secrets_json  TEXT    NOT NULL DEFAULT '{"headers":{},"bearerToken":null}' CHECK (json_valid(secrets_json)),
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL,
  archived_at   TEXT
) STRICT;

INSERT INTO endpoints_0009 (id, slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags, list_tools, allow_private, source, secrets_json, created_at, updated_at, archived_at)
  SELECT id, slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags, list_tools, allow_private, source, secrets_json, created_at, updated_at, archived_at
  FROM endpoints ORDER BY id;

-- The highest id ever handed out, not merely the highest left (its row may have been deleted).
INSERT INTO store_meta (key, value) SELECT 'endpoints_seq_0009', coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'endpoints'), 0);

DROP TABLE endpoints;
ALTER TABLE endpoints_0009 RENAME TO endpoints;

DELETE FROM sqlite_sequence WHERE name = 'endpoints';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'endpoints', max(value, coalesce((SELECT max(id) FROM endpoints), 0)) FROM store_meta WHERE key = 'endpoints_seq_0009';
DELETE FROM store_meta WHERE key = 'endpoints_seq_0009';

-- The triggers went with the old table (0005 explains them).
CREATE TRIGGER endpoints_version_insert AFTER INSERT ON endpoints
BEGIN
  UPDATE store_meta SET value = value + 1 WHERE key = 'endpoints_version';
END;

CREATE TRIGGER endpoints_version_update AFTER UPDATE ON endpoints
BEGIN
  UPDATE store_meta SET value = value + 1 WHERE key = 'endpoints_version';
END;

CREATE TRIGGER endpoints_version_delete AFTER DELETE ON endpoints
BEGIN
  UPDATE store_meta SET value = value + 1 WHERE key = 'endpoints_version';
END;

UPDATE store_meta SET value = value + 1 WHERE key = 'endpoints_version';

-- 2. What the registry says about a registry-owned endpoint, shown on the pages. Plain text: the
--    pages escape it and never load the links.
CREATE TABLE registry_facts (
  endpoint_id    INTEGER PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  registry       TEXT    NOT NULL,
  server_name    TEXT    NOT NULL,
  title          TEXT,
  description    TEXT,
  version        TEXT,
  repository_url TEXT,
  website_url    TEXT,
  status         TEXT    NOT NULL CHECK (status IN ('active', 'deprecated', 'deleted'))
) STRICT;

-- 3. Each registry's sync progress: where the next incremental pass starts, and how the last went.
CREATE TABLE registry_sync (
  name            TEXT    PRIMARY KEY,
  updated_since   TEXT,
  last_attempt_ms INTEGER,
  last_success_ms INTEGER,
  last_error      TEXT,
  servers         INTEGER NOT NULL DEFAULT 0
) STRICT;
