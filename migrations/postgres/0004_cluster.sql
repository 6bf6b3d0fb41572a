-- 0004_cluster (PostgreSQL): the nodes of a cluster (issue 14). One row per running `serve`.
-- Forward only: never edit once released; add 0005_… .
--
-- Every time in this table is the DATABASE's clock: nodes write heartbeat_at = now() and judge
-- liveness against now() in the same statement, so a node whose own clock is minutes off is
-- still judged correctly, and no two nodes can disagree about who is live because of skew.
-- (started_at is the node's own process start, for display and for telling incarnations apart.)

CREATE TABLE cluster_nodes (
  name            text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
  region          text        NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
  -- Random per process start: a restart under the same name is a new incarnation, and a second
  -- process claiming a live name is refused even when its pid and host happen to match.
  incarnation     text        NOT NULL,
  started_at      timestamptz NOT NULL,
  pid             integer     NOT NULL,
  host            text        NOT NULL,
  version         text        NOT NULL,
  registered_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at    timestamptz NOT NULL DEFAULT now(),
  endpoints_owned integer     NOT NULL DEFAULT 0 CHECK (endpoints_owned >= 0),
  probes_per_s    real        NOT NULL DEFAULT 0 CHECK (probes_per_s >= 0),
  -- Set by a draining node: it still heartbeats (shown as stopping, not dead) but others stop
  -- counting it at once, so its endpoints move before it exits rather than after liveness expires.
  stopping        boolean     NOT NULL DEFAULT false
);

-- Every node asks "who is live in my region" once per heartbeat.
CREATE INDEX cluster_nodes_region_heartbeat ON cluster_nodes (region, heartbeat_at);
