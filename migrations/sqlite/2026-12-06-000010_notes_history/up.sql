-- Every version of a note, the first included: the note row is the current text, these rows are
-- its history, so an amendment keeps what readers saw before and says why it changed.
ALTER TABLE note_versions ADD COLUMN placement TEXT NOT NULL DEFAULT 'bottom'
    CHECK (placement IN ('top', 'bottom'));
ALTER TABLE note_versions ADD COLUMN quote_exact TEXT;
-- Why this version replaced the one before it; NULL for the first.
ALTER TABLE note_versions ADD COLUMN reason TEXT;

-- Notes published before history was kept get their current text as their first version.
INSERT INTO note_versions (note_id, version, kind, wrong, right_text, body_markdown, body_html,
                           author_id, created_at, placement, quote_exact, reason)
SELECT id, version, kind, wrong, right_text, body_markdown, body_html,
       author_id, COALESCE(amended_at, published_at), placement, quote_exact, NULL
FROM correction_notes
WHERE NOT EXISTS (SELECT 1 FROM note_versions v
                  WHERE v.note_id = correction_notes.id AND v.version = correction_notes.version);

CREATE INDEX correction_notes_log ON correction_notes (kind, published_at, id);

-- A publication's short name in public addresses (`/p/{slug}/corrections`).
ALTER TABLE publications ADD COLUMN slug TEXT;
UPDATE publications SET slug =
    trim(replace(replace(replace(replace(replace(lower(trim(name)), ' ', '-'), '''', ''), '.', ''),
                 ',', ''), '&', 'and'), '-');
UPDATE publications SET slug = 'publication-' || id WHERE slug = '' OR slug IS NULL;
UPDATE publications SET slug = slug || '-' || id
WHERE EXISTS (SELECT 1 FROM publications p WHERE p.slug = publications.slug AND p.id < publications.id);
CREATE UNIQUE INDEX publications_slug ON publications (slug);
