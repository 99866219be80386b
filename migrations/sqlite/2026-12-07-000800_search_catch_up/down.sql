INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    SELECT id, description, COALESCE(suggested_correction, ''), quote_exact FROM reports
    WHERE id > (SELECT up_to FROM search_indexed) ORDER BY id;

DROP TRIGGER reports_fts_insert;
DROP TRIGGER reports_fts_delete;
DROP TRIGGER reports_fts_update;
DROP TABLE search_indexed;

CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    VALUES (NEW.id, NEW.description, COALESCE(NEW.suggested_correction, ''), NEW.quote_exact);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, description, suggested_correction, quote_exact)
    VALUES ('delete', OLD.id, OLD.description, COALESCE(OLD.suggested_correction, ''), OLD.quote_exact);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF description, suggested_correction, quote_exact ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, description, suggested_correction, quote_exact)
    VALUES ('delete', OLD.id, OLD.description, COALESCE(OLD.suggested_correction, ''), OLD.quote_exact);
    INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    VALUES (NEW.id, NEW.description, COALESCE(NEW.suggested_correction, ''), NEW.quote_exact);
END;
