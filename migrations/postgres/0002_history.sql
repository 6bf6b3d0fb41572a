-- 0002_history (PostgreSQL): raw rounds, rollups, incidents, events, observations, monitoring gaps.
-- Forward only: never edit once released. Same columns and encodings as the SQLite schema
-- (migrations/0001_init.sql, 0006_monitoring_gaps.sql); the store is src/store/postgres/ticks.ts.
--
-- Deleting an endpoint removes all its history, and stays cheap: every table below has an index
-- leading with endpoint_id (probe_results one per partition), so each removal is an index range
-- scan, never a table scan. The small tables do it by ON DELETE CASCADE, as in SQLite. The two
-- written every round, probe_results and the rollups, have no foreign key (as in SQLite): a foreign
-- key check locks the endpoint row (FOR KEY SHARE) for every row inserted, which measured 3x the
-- cost of the insert itself, plus a write to every endpoint row each tick. The triggers at the end
-- delete their rows instead, and a lock keeps a tick from writing rows for an endpoint being
-- deleted (see endpoints_delete_lock).

-- Raw rounds, partitioned by RANGE on ts (ms since the epoch) with native declarative partitioning,
-- so retention drops whole partitions instead of deleting millions of rows.
--
-- Partitions are one UTC day (probe_results_partition below names and bounds them):
--  * retention is counted in days (default 14), so a day is the finest unit it needs; 14–17 live
--    partitions keep planning and pruning cheap, where hourly ones would be 340+ tables;
--  * a results() window of a page (hours) touches one partition, at most two;
--  * what limits write cost is the hot part of the (endpoint_id, ts) index of the current
--    partition: rows arrive one per endpoint per round, so each endpoint appends to the end of its
--    own range and at most one leaf page per endpoint is hot, whatever the partition length.
--    Smaller partitions would shrink that hot set only while there are few rows per endpoint.
-- There is NO default partition: a default partition holding rows of a range makes creating that
-- range's partition fail later (and every creation scans it). The writer creates missing
-- partitions on demand instead, in a short transaction of its own before the tick, and keeps
-- today plus the next two days created ahead.
--
-- Compact on purpose (the raw row is the storage budget's main cost): status 0 up, 1 degraded,
-- 2 auth_required, 3 down; era NULL unknown, 1 modern, 2 streamable, 3 sse; flags bit 0 retried,
-- bit 1 stalled, bit 2 discounted (src/store/result-codec.ts); detail only when not up; whole ms.
-- Fixed-width columns first, widest first, so no alignment padding is wasted. No id column: rows
-- are found by (endpoint_id, ts), and a retried tick is kept out by tick_receipts, not by a key.
CREATE TABLE probe_results (
  endpoint_id bigint   NOT NULL,
  ts          bigint   NOT NULL,
  duration_ms integer  NOT NULL,
  lag_ms      integer  NOT NULL,
  dns_ms      integer,
  connect_ms  integer,
  tls_ms      integer,
  status      smallint NOT NULL CHECK (status BETWEEN 0 AND 3),
  era         smallint CHECK (era BETWEEN 1 AND 3),
  flags       smallint NOT NULL DEFAULT 0,
  code        text,
  detail      text
) PARTITION BY RANGE (ts);

-- results(endpointId, window): one backwards range scan per partition the window touches; it also
-- serves the removal of a deleted endpoint's rows. Created on the parent, so every partition gets it.
CREATE INDEX probe_results_endpoint_ts ON probe_results (endpoint_id, ts);

-- Creates (if missing) the partition for the UTC day starting at day_start and returns its name.
-- Callers hold the `partitions` advisory lock (src/store/postgres/locks.ts): two sessions running
-- CREATE TABLE IF NOT EXISTS for the same name at once can still collide in the catalog.
CREATE FUNCTION probe_results_partition(day_start bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  day_ms constant bigint := 86400000;
  name text;
BEGIN
  IF day_start % day_ms <> 0 THEN
    RAISE EXCEPTION 'probe_results partitions start on a UTC day, not at %', day_start;
  END IF;
  name := 'probe_results_' || to_char(to_timestamp(day_start / 1000.0) AT TIME ZONE 'UTC', 'YYYYMMDD');
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF probe_results FOR VALUES FROM (%s) TO (%s)', name, day_start, day_start + day_ms);
  RETURN name;
END;
$$;

-- Rollups, keyed (start, endpoint_id) time first like SQLite's: a tick upserts the current hour and
-- day of every endpoint, and time first keeps those rows together. Every tick adds to them
-- (additive upserts), which only touch unindexed columns: fillfactor 70 leaves room on each page
-- so those updates stay HOT (no index writes, pruned in place). The second index serves one
-- endpoint's rows (rollups(), uptime()) and the removal of a deleted endpoint's rows; it is written only
-- when a new hour or day row is inserted, once per endpoint per hour.
-- Latency columns count successful rounds (up, degraded) that did not stall; b0..b15 are counts per
-- LATENCY_BUCKETS_MS bucket (src/domain/latency.ts).
CREATE TABLE rollups_hourly (
  start          bigint  NOT NULL,
  endpoint_id    bigint  NOT NULL,
  up             integer NOT NULL DEFAULT 0,
  degraded       integer NOT NULL DEFAULT 0,
  auth_required  integer NOT NULL DEFAULT 0,
  down           integer NOT NULL DEFAULT 0,
  latency_sum_ms bigint  NOT NULL DEFAULT 0,
  latency_min_ms integer,
  latency_max_ms integer,
  b0 integer NOT NULL DEFAULT 0, b1 integer NOT NULL DEFAULT 0, b2 integer NOT NULL DEFAULT 0, b3 integer NOT NULL DEFAULT 0,
  b4 integer NOT NULL DEFAULT 0, b5 integer NOT NULL DEFAULT 0, b6 integer NOT NULL DEFAULT 0, b7 integer NOT NULL DEFAULT 0,
  b8 integer NOT NULL DEFAULT 0, b9 integer NOT NULL DEFAULT 0, b10 integer NOT NULL DEFAULT 0, b11 integer NOT NULL DEFAULT 0,
  b12 integer NOT NULL DEFAULT 0, b13 integer NOT NULL DEFAULT 0, b14 integer NOT NULL DEFAULT 0, b15 integer NOT NULL DEFAULT 0,
  PRIMARY KEY (start, endpoint_id)
) WITH (fillfactor = 70);
CREATE INDEX rollups_hourly_endpoint ON rollups_hourly (endpoint_id, start);

CREATE TABLE rollups_daily (LIKE rollups_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (start, endpoint_id)) WITH (fillfactor = 70);
CREATE INDEX rollups_daily_endpoint ON rollups_daily (endpoint_id, start);

-- Incident ids come from the domain (src/domain/health.ts incidentIdFor): a retried tick or a
-- second node writing the same round inserts the same id, which this key turns into one row.
CREATE TABLE incidents (
  id           bigint      PRIMARY KEY,
  endpoint_id  bigint      NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  started_at   timestamptz NOT NULL,
  resolved_at  timestamptz,
  first_code   text        NOT NULL,
  first_detail text        NOT NULL,
  last_code    text        NOT NULL,
  last_detail  text        NOT NULL
);
CREATE INDEX incidents_endpoint ON incidents (endpoint_id, started_at);
CREATE INDEX incidents_started ON incidents (started_at);
CREATE INDEX incidents_open ON incidents (endpoint_id) WHERE resolved_at IS NULL;

-- Every HealthEvent as the domain produced it (data), plus the incident it concerns.
--
-- The alert engine tails this table by increasing id with a cursor (events(afterId)). A sequence
-- hands out ids when rows are inserted, not when they commit: with two writers, id 11 can become
-- visible before id 10, and a cursor that moved to 11 would never see 10. The writer therefore
-- inserts a tick's events last, right before COMMIT, under the `events` advisory lock (held to the
-- end of the transaction): the next writer takes an id only after the previous one committed and
-- became visible, so ids become visible in increasing order. Only ticks with events take the lock,
-- and only for one INSERT and the COMMIT. Whoever else inserts events must do the same.
-- BY DEFAULT rather than ALWAYS: migrate-data copies ids from SQLite (then moves the sequence on).
CREATE TABLE events (
  id          bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  endpoint_id bigint      NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  kind        text        NOT NULL,
  incident_id bigint,
  data        jsonb       NOT NULL
);
CREATE INDEX events_endpoint ON events (endpoint_id, id);

-- Written only when the fingerprint differs from the endpoint's latest observation.
CREATE TABLE cert_observations (
  id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  endpoint_id    bigint NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  ts             bigint NOT NULL,
  fingerprint256 text   NOT NULL,
  subject        text   NOT NULL,
  issuer         text   NOT NULL,
  not_before     text   NOT NULL,
  not_after      text   NOT NULL,
  sans           jsonb  NOT NULL CHECK (jsonb_typeof(sans) = 'array')
);
CREATE INDEX cert_observations_endpoint ON cert_observations (endpoint_id, ts);

-- Written only when the hash differs from the endpoint's latest snapshot.
CREATE TABLE tool_snapshots (
  id          bigint  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  endpoint_id bigint  NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  ts          bigint  NOT NULL,
  hash        text    NOT NULL,
  count       integer NOT NULL,
  names       jsonb   NOT NULL CHECK (jsonb_typeof(names) = 'array')
);
CREATE INDEX tool_snapshots_endpoint ON tool_snapshots (endpoint_id, ts);

-- Spans in which mcpwatch observed nothing of an endpoint; pruned with the rollups.
CREATE TABLE monitoring_gaps (
  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  from_ts     bigint NOT NULL,
  to_ts       bigint NOT NULL CHECK (to_ts > from_ts)
);
CREATE INDEX monitoring_gaps_endpoint ON monitoring_gaps (endpoint_id, to_ts);
CREATE INDEX monitoring_gaps_to ON monitoring_gaps (to_ts);

-- One row per tick batch written recently: the SHA-256 of the batch, inserted in the tick's own
-- transaction. A retry of a batch whose first attempt committed (the connection broke after
-- COMMIT) finds its receipt and writes nothing, so raw rows, events and additive rollups are not
-- counted twice. Kept for an hour: a retry comes within seconds.
CREATE TABLE tick_receipts (
  digest     bytea  PRIMARY KEY,
  written_at bigint NOT NULL
);
CREATE INDEX tick_receipts_written ON tick_receipts (written_at);

-- An endpoint's rows in the tables without a foreign key go with it. ANY(ARRAY(…)) rather than
-- IN (SELECT …): a parameter array is an index scan in every partition, where a join with the
-- transition table may be planned as a scan of every partition.
CREATE FUNCTION endpoints_delete_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM probe_results WHERE endpoint_id = ANY(ARRAY(SELECT id FROM gone));
  DELETE FROM rollups_hourly WHERE endpoint_id = ANY(ARRAY(SELECT id FROM gone));
  DELETE FROM rollups_daily WHERE endpoint_id = ANY(ARRAY(SELECT id FROM gone));
  RETURN NULL;
END;
$$;
CREATE TRIGGER endpoints_delete_history AFTER DELETE ON endpoints
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION endpoints_delete_history();

-- Every tick holds the `tickWrite` advisory lock SHARED from its liveness check to COMMIT (ticks
-- of several nodes do not wait for each other); a DELETE of endpoints takes it EXCLUSIVE first.
-- So a delete waits for the ticks in flight, and a tick that starts meanwhile waits for the
-- delete, then no longer finds the endpoint and drops its rows: a row can neither fail a foreign
-- key nor be left behind. The keys are LOCK_NAMESPACE and ADVISORY_LOCKS.tickWrite of
-- src/store/postgres/locks.ts (test/store/postgres/ticks.test.ts checks they agree).
CREATE FUNCTION endpoints_delete_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1835235104, 6);
  RETURN NULL;
END;
$$;
CREATE TRIGGER endpoints_delete_lock BEFORE DELETE ON endpoints
  FOR EACH STATEMENT EXECUTE FUNCTION endpoints_delete_lock();
