-- 0011_incident_update_edits (PostgreSQL): SQLite's 0014, the same column by name (migrate-data
-- copies it): when an incident update's text was last corrected, ms since the epoch, null while
-- it reads as first posted.
ALTER TABLE incident_post_updates ADD COLUMN edited_at_ms bigint;
