-- 0006_monitoring_gaps: spans in which mcpwatch itself observed nothing of an endpoint (it was down,
-- restarting or stalled for longer than the endpoint's cadence allows). They are facts to show
-- ("not monitored"), and the reason a failure streak was broken; uptime counts rounds, so these
-- spans count neither up nor down. Numbered 0006, not 0005: another change (archiving) may take
-- 0005, and migrations apply by version whatever order they arrive in.
--
-- from_ts is the start of the last round before the silence, to_ts the start of the first after
-- it (ms since the epoch). A handful of rows per endpoint per restart; pruned with the rollups.

CREATE TABLE monitoring_gaps (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  from_ts     INTEGER NOT NULL,
  to_ts       INTEGER NOT NULL CHECK (to_ts > from_ts)
) STRICT;
CREATE INDEX monitoring_gaps_endpoint ON monitoring_gaps (endpoint_id, to_ts);
CREATE INDEX monitoring_gaps_to ON monitoring_gaps (to_ts);
