-- The whole Errata domain (DESIGN.md, "Domain"). Times are UTC, stored as ISO-8601 text.

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'reviewer')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE publications (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    contact_email TEXT,
    policy_url TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX publications_host ON publications (host);

CREATE TABLE publication_origins (
    id INTEGER PRIMARY KEY NOT NULL,
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    origin TEXT NOT NULL,
    UNIQUE (publication_id, origin)
);
CREATE INDEX publication_origins_origin ON publication_origins (origin);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY NOT NULL,
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    published_at TIMESTAMP,
    current_revision_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX articles_publication ON articles (publication_id, id);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    canonical_text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    UNIQUE (article_id, number)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    status_token TEXT NOT NULL UNIQUE,
    article_id BIGINT NOT NULL REFERENCES articles (id),
    revision_id BIGINT NOT NULL REFERENCES revisions (id),
    quote_exact TEXT NOT NULL,
    quote_prefix TEXT NOT NULL,
    quote_suffix TEXT NOT NULL,
    quote_start INTEGER NOT NULL,
    quote_end INTEGER NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    suggested_correction TEXT,
    evidence_urls TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    notify BOOLEAN NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('new', 'triaged', 'investigating', 'resolved')),
    resolution TEXT CHECK (resolution IS NULL OR resolution IN ('corrected', 'clarified', 'no_error', 'duplicate', 'spam')),
    assignee_id BIGINT REFERENCES users (id),
    duplicate_of BIGINT REFERENCES reports (id),
    ip_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX reports_state ON reports (state, id);
CREATE INDEX reports_article ON reports (article_id, id);
CREATE INDEX reports_assignee ON reports (assignee_id, id);
CREATE INDEX reports_duplicate_of ON reports (duplicate_of);

CREATE TABLE correction_notes (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id),
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'clarification', 'update', 'editors_note')),
    wrong TEXT,
    right_text TEXT,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    placement TEXT NOT NULL CHECK (placement IN ('top', 'bottom')),
    revision_id BIGINT NOT NULL REFERENCES revisions (id),
    quote_exact TEXT,
    quote_prefix TEXT,
    quote_suffix TEXT,
    quote_start INTEGER,
    quote_end INTEGER,
    author_id BIGINT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    amended_at TIMESTAMP,
    retracted_at TIMESTAMP,
    retraction_reason TEXT
);
CREATE INDEX correction_notes_article ON correction_notes (article_id, published_at);
CREATE INDEX correction_notes_published ON correction_notes (published_at, id);

-- Earlier texts of an amended note: nothing is erased.
CREATE TABLE note_versions (
    id INTEGER PRIMARY KEY NOT NULL,
    note_id BIGINT NOT NULL REFERENCES correction_notes (id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    wrong TEXT,
    right_text TEXT,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (note_id, version)
);

CREATE TABLE note_reports (
    note_id BIGINT NOT NULL REFERENCES correction_notes (id),
    report_id BIGINT NOT NULL REFERENCES reports (id),
    PRIMARY KEY (note_id, report_id)
);
CREATE INDEX note_reports_report ON note_reports (report_id);

-- Where a report's (or a note's) passage is in one revision. The newest row is the current one.
CREATE TABLE anchors (
    id INTEGER PRIMARY KEY NOT NULL,
    report_id BIGINT REFERENCES reports (id),
    note_id BIGINT REFERENCES correction_notes (id),
    revision_id BIGINT NOT NULL REFERENCES revisions (id),
    start_offset INTEGER,
    end_offset INTEGER,
    status TEXT NOT NULL CHECK (status IN ('anchored', 'drifted', 'corrected', 'ambiguous', 'orphaned')),
    method TEXT NOT NULL,
    score DOUBLE NOT NULL,
    now_reads TEXT,
    -- For an ambiguous anchor: the near-equal places, as JSON [{start, end, score}].
    candidates TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((report_id IS NULL) <> (note_id IS NULL))
);
CREATE INDEX anchors_report ON anchors (report_id, id);
CREATE INDEX anchors_note ON anchors (note_id, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY NOT NULL,
    report_id BIGINT REFERENCES reports (id),
    note_id BIGINT REFERENCES correction_notes (id),
    article_id BIGINT REFERENCES articles (id),
    actor_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_report ON events (report_id, id);
CREATE INDEX events_note ON events (note_id, id);
CREATE INDEX events_article ON events (article_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL,
    report_id BIGINT REFERENCES reports (id),
    note_id BIGINT REFERENCES correction_notes (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_report ON outbox (report_id);
