-- 0013_rollup_bucket_blobs: the 16 latency-bucket columns b0..b15 of both rollup tables become one
-- `buckets` BLOB (src/store/sqlite/rollup-buckets.ts: from the first counted bucket to the last,
-- a varint each; empty when nothing was counted). SQLite spends a header byte per column even on
-- a zero: measured 44 → ~31 B of payload per hourly row. The tables are rebuilt in key order (the
-- new pages are full); mcpwatch_pack_buckets is registered by the store on its connection before
-- migrating. PostgreSQL keeps its columns.
CREATE TABLE rollups_hourly_0013 (
  start          INTEGER NOT NULL,
  endpoint_id    INTEGER NOT NULL,
  up             INTEGER NOT NULL DEFAULT 0,
  degraded       INTEGER NOT NULL DEFAULT 0,
  auth_required  INTEGER NOT NULL DEFAULT 0,
  down           INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms INTEGER NOT NULL DEFAULT 0,
  latency_min_ms INTEGER,
  latency_max_ms INTEGER,
  buckets        BLOB    NOT NULL DEFAULT x'',
  PRIMARY KEY (start, endpoint_id)
) STRICT, WITHOUT ROWID;

INSERT INTO rollups_hourly_0013
SELECT start, endpoint_id, up, degraded, auth_required, down, latency_sum_ms, latency_min_ms, latency_max_ms,
       mcpwatch_pack_buckets(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15)
FROM rollups_hourly ORDER BY start, endpoint_id;

DROP TABLE rollups_hourly;
ALTER TABLE rollups_hourly_0013 RENAME TO rollups_hourly;

CREATE TABLE rollups_daily_0013 (
  start          INTEGER NOT NULL,
  endpoint_id    INTEGER NOT NULL,
  up             INTEGER NOT NULL DEFAULT 0,
  degraded       INTEGER NOT NULL DEFAULT 0,
  auth_required  INTEGER NOT NULL DEFAULT 0,
  down           INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms INTEGER NOT NULL DEFAULT 0,
  latency_min_ms INTEGER,
  latency_max_ms INTEGER,
  buckets        BLOB    NOT NULL DEFAULT x'',
  PRIMARY KEY (start, endpoint_id)
) STRICT, WITHOUT ROWID;

INSERT INTO rollups_daily_0013
SELECT start, endpoint_id, up, degraded, auth_required, down, latency_sum_ms, latency_min_ms, latency_max_ms,
       mcpwatch_pack_buckets(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15)
FROM rollups_daily ORDER BY start, endpoint_id;

DROP TABLE rollups_daily;
ALTER TABLE rollups_daily_0013 RENAME TO rollups_daily;
