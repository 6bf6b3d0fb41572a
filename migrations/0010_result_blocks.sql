-- 0010_result_blocks: raw rounds older than the current hour, sealed into one compressed block per
-- endpoint per UTC hour (src/store/result-blocks.ts). probe_results stays the append-only head the
-- recorder writes to; a background step moves whole hours from it into blocks, each endpoint's
-- move one transaction (insert the block, delete its rows), so a crash loses nothing.
--
-- Key (start, endpoint_id), time first like the rollups: a seal writes one hour of every endpoint,
-- which lands on contiguous pages at the end of the tree instead of one page per endpoint, and
-- retention deletes a leading range. A read of one endpoint is a point lookup per hour.
-- rows: how many rounds the block holds (retention counts what it removes without decoding).
-- No foreign key, as for probe_results: the store deletes an endpoint's blocks by point lookups.
CREATE TABLE result_blocks (
  start       INTEGER NOT NULL,
  endpoint_id INTEGER NOT NULL,
  rows        INTEGER NOT NULL CHECK (rows > 0),
  data        BLOB    NOT NULL,
  PRIMARY KEY (start, endpoint_id)
) STRICT, WITHOUT ROWID;
