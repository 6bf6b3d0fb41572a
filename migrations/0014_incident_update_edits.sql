-- 0014_incident_update_edits: when an incident update's text was last corrected (ms since the
-- epoch), null while it reads as first posted. The status page marks a corrected update "edited"
-- so readers can tell the text changed after it was said; its status and at_ms stay the record.
ALTER TABLE incident_post_updates ADD COLUMN edited_at_ms INTEGER;
