-- The search index takes new reports in batches instead of one at a time inside each filing.
-- FTS5 writes what it holds to disk at every savepoint, and every filing runs in one (so that it
-- can fail alone): a report indexed by a trigger cost a new index segment, and later merges, each.
-- Now reports above `up_to` are not in the index yet; `db::search::catch_up` adds them, all at
-- once, at each tick of the checkpointer (200 ms) while reports come in and before any search,
-- so searches still see every report.
CREATE TABLE search_indexed (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    up_to BIGINT NOT NULL
);
INSERT INTO search_indexed (id, up_to) SELECT 1, COALESCE(MAX(id), 0) FROM reports;

DROP TRIGGER reports_fts_insert;
DROP TRIGGER reports_fts_delete;
DROP TRIGGER reports_fts_update;

-- A report at or below the mark is in the index and is kept in step there, as before. (One can be
-- inserted there: after the newest report is deleted, SQLite gives its id to the next one.)
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports
WHEN NEW.id <= (SELECT up_to FROM search_indexed) BEGIN
    INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    VALUES (NEW.id, NEW.description, COALESCE(NEW.suggested_correction, ''), NEW.quote_exact);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports
WHEN OLD.id <= (SELECT up_to FROM search_indexed) BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, description, suggested_correction, quote_exact)
    VALUES ('delete', OLD.id, OLD.description, COALESCE(OLD.suggested_correction, ''), OLD.quote_exact);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF description, suggested_correction, quote_exact ON reports
WHEN OLD.id <= (SELECT up_to FROM search_indexed) BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, description, suggested_correction, quote_exact)
    VALUES ('delete', OLD.id, OLD.description, COALESCE(OLD.suggested_correction, ''), OLD.quote_exact);
    INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    VALUES (NEW.id, NEW.description, COALESCE(NEW.suggested_correction, ''), NEW.quote_exact);
END;
