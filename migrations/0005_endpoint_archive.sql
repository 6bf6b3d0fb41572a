-- 0005_endpoint_archive: endpoints are archived instead of deleted when their owner (the
-- configuration file, later a registry) stops listing them, and a change counter lets a running
-- `serve` notice endpoint changes made by another process (`mcpwatch import`) on the same file.
--
-- archived_at: NULL for a live endpoint; the ISO time it left its owner's list otherwise. An
-- archived endpoint is not probed; its history ages out with the normal retention, and its row
-- goes once it has been archived longer than the rollup retention (nothing is left to show then).
-- It comes back, history and id intact, when the owner lists its slug again.
ALTER TABLE endpoints ADD COLUMN archived_at TEXT;

-- Bumped by every insert, update and delete of an endpoint, whoever makes it. A reader compares
-- one integer every few seconds instead of re-reading the endpoints table (or PRAGMA
-- data_version, which moves on every probe round another connection writes).
INSERT INTO store_meta (key, value) VALUES ('endpoints_version', 0);

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
