-- Operations: tokens can be revoked, the outbox names its states as an admin reads them
-- (queued, sending, sent, failed, discarded) with a lease for the one being sent, and events can
-- be about a user, a token or an outbox message, done from the command line.

ALTER TABLE api_tokens ADD COLUMN revoked_at TIMESTAMP;

CREATE TABLE outbox_new (
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
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'discarded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- While `sending`: until when the claim holds; a worker that died is replaced after it.
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO outbox_new (id, kind, template, recipient, subject, body_text, body_html, message_id,
                        report_id, note_id, state, attempts, next_attempt_at, last_error,
                        created_at, sent_at)
SELECT id, kind, template, recipient, subject, body_text, body_html, message_id, report_id,
       note_id, CASE state WHEN 'pending' THEN 'queued' ELSE state END, attempts,
       next_attempt_at, last_error, created_at, sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_report ON outbox (report_id);

ALTER TABLE events ADD COLUMN user_id BIGINT REFERENCES users (id);
ALTER TABLE events ADD COLUMN token_id BIGINT REFERENCES api_tokens (id);
ALTER TABLE events ADD COLUMN outbox_id BIGINT REFERENCES outbox (id);
-- Who acted when it was not a signed-in user: `cli` for the command line.
ALTER TABLE events ADD COLUMN actor_label TEXT;
CREATE INDEX events_user ON events (user_id, id);
