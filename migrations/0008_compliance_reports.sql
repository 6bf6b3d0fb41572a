-- 0008_compliance_reports: what the hourly compliance checks found (issue 15), the newest few per
-- endpoint (src/store/compliance.ts keeps COMPLIANCE_HISTORY and deletes older ones on save).
--
-- `report` is a ComplianceReport (src/domain/compliance.ts) as JSON, every string already cut and
-- cleaned by capReport, so a row is bounded whatever the server answered. The evidence in it is
-- the server's own bytes quoted: hostile, escaped by every surface that shows it.
-- checked_at: ms since the epoch, the report's own checkedAt.

CREATE TABLE compliance_reports (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  checked_at  INTEGER NOT NULL,
  report      TEXT    NOT NULL CHECK (json_valid(report))
) STRICT;
CREATE INDEX compliance_reports_endpoint ON compliance_reports (endpoint_id, id);
