-- 0005_regions (PostgreSQL): several regions, each probing every endpoint, and a quorum of them
-- deciding the overall status (issue 14). Forward only: never edit once released; add 0006_… .
--
-- Who writes what: a node writes its REGION's rounds (probe_results with its region) and its
-- region's confirmed health (region_endpoint_state); only the quorum arbiter, singleton work on
-- the lease holder, writes the overall endpoint_state, incidents, events and endpoint_quorum.

-- probe_results has no key (rows are found by (endpoint_id, ts); retried ticks are kept out by
-- tick_receipts), so two regions' rows of the same instant cannot collide. Existing rows were
-- written by one region: 'default'. A constant default is a catalog change, no table rewrite.
ALTER TABLE probe_results ADD COLUMN region text NOT NULL DEFAULT 'default';

-- EndpointState field for field (as endpoint_state), per (endpoint, region). updated_at is the
-- DATABASE's clock at the write: the arbiter judges freshness against its own now(), so a node
-- whose clock is off cannot make its region look fresh or stale. last_failed is whether the
-- region's latest round failed (an endpoint's failure streak is positive exactly then).
-- LIKE copies endpoint_state's columns with their defaults and checks as of now; a later change
-- to endpoint_state must be made to this table too (src/store/postgres/health-writes.ts writes both).
CREATE TABLE region_endpoint_state (
  LIKE endpoint_state INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  region      text        NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
  last_failed boolean     GENERATED ALWAYS AS (consecutive_failures > 0) STORED,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, region),
  FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
);
CREATE INDEX region_endpoint_state_region ON region_endpoint_state (region);

-- A database that ran one region so far continues as region 'default': a node of that region
-- resumes from these states instead of starting every endpoint from unknown. updated_at is set
-- in the past so nothing counts as fresh until the region writes again.
INSERT INTO region_endpoint_state (endpoint_id, region, health, health_since, consecutive_failures, consecutive_successes,
    last_status, last_code, last_detail, last_checked_at, last_duration_ms, era, protocol_version, server_name, server_version,
    cert_fingerprint, cert_not_after, tools_hash, tools_count, open_incident_id, incidents_opened, failing_since,
    first_failure_code, first_failure_detail, updated_at)
  SELECT endpoint_id, 'default', health, health_since, consecutive_failures, consecutive_successes,
    last_status, last_code, last_detail, last_checked_at, last_duration_ms, era, protocol_version, server_name, server_version,
    cert_fingerprint, cert_not_after, tools_hash, tools_count, open_incident_id, incidents_opened, failing_since,
    first_failure_code, first_failure_detail, 'epoch'::timestamptz
  FROM endpoint_state;

-- Which regions saw what and when, by region name: {"eu": {"health": "down", "at": "…",
-- "since": "…", "code": "…", "counted": true}, "us": {…, "counted": false, "excluded": "isolated"}}.
-- Written by the arbiter when it opens the incident and whenever a region's word changes.
ALTER TABLE incidents ADD COLUMN regions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(regions) = 'object');

-- The arbiter's memory per endpoint, so a new lease holder continues where the last one stopped:
-- the last verdict (up, down, partial_outage, unknown), whether a partial outage is open (an
-- `unknown` pass neither ends nor restarts it), and the votes behind the verdict.
CREATE TABLE endpoint_quorum (
  endpoint_id bigint      PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  status      text        NOT NULL CHECK (status IN ('up', 'down', 'partial_outage', 'unknown')),
  partial     boolean     NOT NULL DEFAULT false,
  since       timestamptz NOT NULL,
  votes       jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(votes) = 'array'),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
