DROP INDEX publications_slug;
ALTER TABLE publications DROP COLUMN slug;
DROP INDEX correction_notes_log;
ALTER TABLE note_versions DROP COLUMN reason;
ALTER TABLE note_versions DROP COLUMN quote_exact;
ALTER TABLE note_versions DROP COLUMN placement;
