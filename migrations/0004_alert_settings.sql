-- 0004_alert_settings: alert channels, routes and maintenance windows created through the API.
-- Those in the configuration file are not stored here; the running service merges both, and the
-- API refuses to change what the file owns.
--
-- `spec` is the item exactly as the API accepted it, in the configuration file's shape with
-- literal values, so it is validated on load by the same code that validates the file. For
-- channels it holds credentials (webhook URLs carry tokens, SMTP passwords): the API never
-- returns them, only whether each is set. Protect the database file like the config file.

CREATE TABLE alert_channels (
  name       TEXT    PRIMARY KEY,
  type       TEXT    NOT NULL,
  spec       TEXT    NOT NULL CHECK (json_valid(spec)),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE alert_routes (
  id         INTEGER PRIMARY KEY,
  spec       TEXT    NOT NULL CHECK (json_valid(spec)),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
) STRICT;

CREATE TABLE maintenance_windows (
  id         INTEGER PRIMARY KEY,
  spec       TEXT    NOT NULL CHECK (json_valid(spec)),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
) STRICT;
