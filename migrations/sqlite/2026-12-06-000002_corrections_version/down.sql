ALTER TABLE articles DROP COLUMN corrections_version;
