DROP INDEX events_user;
ALTER TABLE events DROP COLUMN actor_label;
ALTER TABLE events DROP COLUMN outbox_id;
ALTER TABLE events DROP COLUMN token_id;
ALTER TABLE events DROP COLUMN user_id;

CREATE TABLE outbox_old (
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
INSERT INTO outbox_old
SELECT id, kind, template, recipient, subject, body_text, body_html, message_id, report_id,
       note_id, CASE state WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed'
                           WHEN 'discarded' THEN 'failed' ELSE 'pending' END,
       attempts, next_attempt_at, last_error, created_at, sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_report ON outbox (report_id);

ALTER TABLE api_tokens DROP COLUMN revoked_at;
