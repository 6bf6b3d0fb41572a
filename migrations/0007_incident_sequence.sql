-- Incident ids come from the domain now (incidentIdFor: endpoint id × 2^21 + the endpoint's
-- incident count), so the state keeps how many incidents each endpoint has opened. Ids the
-- database assigned before this are all below 2^21 and never collide with the new ones.
ALTER TABLE endpoint_state ADD COLUMN incidents_opened INTEGER NOT NULL DEFAULT 0;
