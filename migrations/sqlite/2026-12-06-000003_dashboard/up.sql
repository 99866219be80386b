-- The editors' dashboard: signed-in sessions and set-password links (the cookie holds a secret whose sha256 is kept here),
-- failed sign-ins for throttling, a target time per publication, per-state report counts kept by
-- triggers so the queue's tabs never count the table, and a full-text index over what editors
-- search (description, suggested correction, passage).

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A link that lets an invited user (or one an admin reset) choose a password, once, before it
-- expires; only the sha256 of its secret is kept.
CREATE TABLE password_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);

CREATE TABLE signin_failures (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, created_at);

ALTER TABLE publications ADD COLUMN target_hours INTEGER NOT NULL DEFAULT 48;

CREATE TABLE report_counts (
    state TEXT PRIMARY KEY NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO report_counts (state, n)
    SELECT s.state, (SELECT COUNT(*) FROM reports r WHERE r.state = s.state)
    FROM (SELECT 'new' AS state UNION ALL SELECT 'triaged' UNION ALL SELECT 'investigating'
          UNION ALL SELECT 'resolved') s;

CREATE TRIGGER report_counts_insert AFTER INSERT ON reports BEGIN
    UPDATE report_counts SET n = n + 1 WHERE state = NEW.state;
END;
CREATE TRIGGER report_counts_delete AFTER DELETE ON reports BEGIN
    UPDATE report_counts SET n = n - 1 WHERE state = OLD.state;
END;
CREATE TRIGGER report_counts_update AFTER UPDATE OF state ON reports
WHEN OLD.state <> NEW.state BEGIN
    UPDATE report_counts SET n = n - 1 WHERE state = OLD.state;
    UPDATE report_counts SET n = n + 1 WHERE state = NEW.state;
END;

CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_category ON reports (category, id);

CREATE VIRTUAL TABLE reports_fts USING fts5 (
    description, suggested_correction, quote_exact,
    content = 'reports', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact)
    SELECT id, description, COALESCE(suggested_correction, ''), quote_exact FROM reports;

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
