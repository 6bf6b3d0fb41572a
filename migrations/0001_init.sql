-- 0001_init: the whole first schema. Forward only: never edit this file once released; add 0002_….
-- Times: `*_at` columns are ISO 8601 text (they are shown to people and come from the domain as
-- strings); the high-volume columns (probe_results.ts, rollup starts) are integer ms since the epoch.
-- Tables are STRICT so a wrong type is an error instead of a silently stored string.

CREATE TABLE endpoints (
  -- AUTOINCREMENT: ids are never reused, so raw rows and rollups left behind by a deleted endpoint
  -- (see probe_results) can never be attributed to a new one.
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
  source        TEXT    NOT NULL CHECK (source IN ('config', 'api', 'import')),
  -- {"headers": {...}, "bearerToken": ...}; only ever read back into Endpoint.secrets.
  secrets_json  TEXT    NOT NULL DEFAULT '{"headers":{},"bearerToken":null}' CHECK (json_valid(secrets_json)),
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL
) STRICT;

-- One row per endpoint: EndpointState, field for field. Rewritten at once when something that
-- matters changes (health, status, code, incident, era, certificate, tools…); changes of the
-- per-round counters and timestamps alone are batched by the store (see sqlite-store.ts).
CREATE TABLE endpoint_state (
  endpoint_id           INTEGER PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  health                TEXT    NOT NULL CHECK (health IN ('unknown', 'up', 'down')),
  health_since          TEXT,
  consecutive_failures  INTEGER NOT NULL,
  consecutive_successes INTEGER NOT NULL,
  last_status           TEXT,
  last_code             TEXT,
  last_detail           TEXT,
  last_checked_at       TEXT,
  last_duration_ms      REAL,
  era                   TEXT,
  protocol_version      TEXT,
  server_name           TEXT,
  server_version        TEXT,
  cert_fingerprint      TEXT,
  cert_not_after        TEXT,
  tools_hash            TEXT,
  tools_count           INTEGER,
  -- No foreign key: endpoint_state has no index on this column, so every incident deleted (by the
  -- endpoint cascade) would scan the whole table to check it.
  open_incident_id      INTEGER,
  failing_since         TEXT,
  first_failure_code    TEXT,
  first_failure_detail  TEXT
) STRICT;

-- Raw rounds: the storage budget's main cost (~14 M rows/day at 10k endpoints), so:
--  * no secondary index: rows are appended in time order and found by binary search over rowid
--    (an (endpoint_id, ts) index measured ~10 KB of writes per row against ~0.3 KB without);
--  * no foreign key: with no index on endpoint_id, ON DELETE CASCADE (or any FK check on a parent
--    delete) would scan the whole table inside the write lock. A deleted endpoint's rows age out
--    with retention; endpoints.id is AUTOINCREMENT so they are never attributed to another one;
--  * small integers: status 0 up, 1 degraded, 2 auth_required, 3 down; era NULL unknown,
--    1 modern, 2 streamable, 3 sse; flags bit 0 retried, bit 1 stalled (0 and 1 cost no bytes);
--  * detail only when not up; timings rounded to whole ms.
CREATE TABLE probe_results (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL,
  ts          INTEGER NOT NULL,
  status      INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),
  code        TEXT,
  detail      TEXT,
  duration_ms INTEGER NOT NULL,
  dns_ms      INTEGER,
  connect_ms  INTEGER,
  tls_ms      INTEGER,
  era         INTEGER CHECK (era BETWEEN 1 AND 3),
  flags       INTEGER NOT NULL DEFAULT 0,
  lag_ms      INTEGER NOT NULL
) STRICT;

-- The same rows decoded, for people using the sqlite3 shell. Costs nothing on disk.
CREATE VIEW probe_results_readable AS
SELECT id, endpoint_id, ts,
       strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000.0, 'unixepoch') AS at,
       CASE status WHEN 0 THEN 'up' WHEN 1 THEN 'degraded' WHEN 2 THEN 'auth_required' ELSE 'down' END AS status,
       code, detail, duration_ms, dns_ms, connect_ms, tls_ms,
       CASE era WHEN 1 THEN 'modern' WHEN 2 THEN 'streamable' WHEN 3 THEN 'sse' END AS era,
       (flags & 1) <> 0 AS retried, (flags & 2) <> 0 AS stalled, lag_ms
FROM probe_results;

-- Rollups. The key is (start, endpoint_id), time first, not (endpoint_id, start): every flush
-- touches the current hour/day of every endpoint, and time-first keeps those rows contiguous
-- (~125 pages for 10k endpoints) instead of one page per endpoint. Measured on this machine,
-- 10k endpoints, 300k rows: endpoint-first + upsert every tick 8.2 KB of WAL per raw row;
-- time-first + upsert every tick 5.2 KB; time-first + flush every 60 s 0.21 KB (raw rows alone
-- 0.11 KB). Reads for one endpoint are point lookups per hour/day start.
-- No foreign key for the same reason as probe_results (a cascade would scan); the store deletes
-- an endpoint's rollups itself, by point lookups.
-- Latency columns count successful rounds (up, degraded) whose timing is trustworthy (not stalled);
-- b0..b15 are counts per LATENCY_BUCKETS_MS bucket; their sum is the number of latency samples.
CREATE TABLE rollups_hourly (
  start          INTEGER NOT NULL,
  endpoint_id    INTEGER NOT NULL,
  up             INTEGER NOT NULL DEFAULT 0,
  degraded       INTEGER NOT NULL DEFAULT 0,
  auth_required  INTEGER NOT NULL DEFAULT 0,
  down           INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms INTEGER NOT NULL DEFAULT 0,
  latency_min_ms INTEGER,
  latency_max_ms INTEGER,
  b0 INTEGER NOT NULL DEFAULT 0, b1 INTEGER NOT NULL DEFAULT 0, b2 INTEGER NOT NULL DEFAULT 0, b3 INTEGER NOT NULL DEFAULT 0,
  b4 INTEGER NOT NULL DEFAULT 0, b5 INTEGER NOT NULL DEFAULT 0, b6 INTEGER NOT NULL DEFAULT 0, b7 INTEGER NOT NULL DEFAULT 0,
  b8 INTEGER NOT NULL DEFAULT 0, b9 INTEGER NOT NULL DEFAULT 0, b10 INTEGER NOT NULL DEFAULT 0, b11 INTEGER NOT NULL DEFAULT 0,
  b12 INTEGER NOT NULL DEFAULT 0, b13 INTEGER NOT NULL DEFAULT 0, b14 INTEGER NOT NULL DEFAULT 0, b15 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (start, endpoint_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollups_daily (
  start          INTEGER NOT NULL,
  endpoint_id    INTEGER NOT NULL,
  up             INTEGER NOT NULL DEFAULT 0,
  degraded       INTEGER NOT NULL DEFAULT 0,
  auth_required  INTEGER NOT NULL DEFAULT 0,
  down           INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms INTEGER NOT NULL DEFAULT 0,
  latency_min_ms INTEGER,
  latency_max_ms INTEGER,
  b0 INTEGER NOT NULL DEFAULT 0, b1 INTEGER NOT NULL DEFAULT 0, b2 INTEGER NOT NULL DEFAULT 0, b3 INTEGER NOT NULL DEFAULT 0,
  b4 INTEGER NOT NULL DEFAULT 0, b5 INTEGER NOT NULL DEFAULT 0, b6 INTEGER NOT NULL DEFAULT 0, b7 INTEGER NOT NULL DEFAULT 0,
  b8 INTEGER NOT NULL DEFAULT 0, b9 INTEGER NOT NULL DEFAULT 0, b10 INTEGER NOT NULL DEFAULT 0, b11 INTEGER NOT NULL DEFAULT 0,
  b12 INTEGER NOT NULL DEFAULT 0, b13 INTEGER NOT NULL DEFAULT 0, b14 INTEGER NOT NULL DEFAULT 0, b15 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (start, endpoint_id)
) STRICT, WITHOUT ROWID;

-- Small key/value facts the store keeps about itself. `rollups_through_rowid`: every raw row with
-- a rowid at or below it is already folded into the rollup tables; rows above it are folded in
-- memory and flushed later (and refolded from probe_results after a crash).
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO store_meta (key, value) VALUES ('rollups_through_rowid', 0);

CREATE TABLE incidents (
  id           INTEGER PRIMARY KEY,
  endpoint_id  INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  started_at   TEXT    NOT NULL,
  resolved_at  TEXT,
  first_code   TEXT    NOT NULL,
  first_detail TEXT    NOT NULL,
  last_code    TEXT    NOT NULL,
  last_detail  TEXT    NOT NULL
) STRICT;
CREATE INDEX incidents_endpoint ON incidents (endpoint_id);
CREATE INDEX incidents_open ON incidents (endpoint_id) WHERE resolved_at IS NULL;

-- Every HealthEvent as the domain produced it (data), plus the incident it concerns when there is
-- one (for incident_opened, the id the store assigned).
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  at          TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  incident_id INTEGER,
  data        TEXT    NOT NULL CHECK (json_valid(data))
) STRICT;
CREATE INDEX events_endpoint ON events (endpoint_id);

-- Written only when the fingerprint differs from the endpoint's latest observation.
CREATE TABLE cert_observations (
  id             INTEGER PRIMARY KEY,
  endpoint_id    INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  ts             INTEGER NOT NULL,
  fingerprint256 TEXT    NOT NULL,
  subject        TEXT    NOT NULL,
  issuer         TEXT    NOT NULL,
  not_before     TEXT    NOT NULL,
  not_after      TEXT    NOT NULL,
  sans           TEXT    NOT NULL CHECK (json_valid(sans))
) STRICT;
CREATE INDEX cert_observations_endpoint ON cert_observations (endpoint_id, ts);

-- Written only when the hash differs from the endpoint's latest snapshot.
CREATE TABLE tool_snapshots (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  ts          INTEGER NOT NULL,
  hash        TEXT    NOT NULL,
  count       INTEGER NOT NULL,
  names       TEXT    NOT NULL CHECK (json_valid(names))
) STRICT;
CREATE INDEX tool_snapshots_endpoint ON tool_snapshots (endpoint_id, ts);
