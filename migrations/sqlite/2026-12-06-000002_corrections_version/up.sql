-- Bumped in the transaction of every change to an article's public corrections answer (a note
-- published, amended or retracted; a new revision or title), so every server checks its
-- in-memory answer against it, whichever process made the change.
ALTER TABLE articles ADD COLUMN corrections_version BIGINT NOT NULL DEFAULT 0;
