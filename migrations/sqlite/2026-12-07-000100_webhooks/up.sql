-- Webhooks: at most one endpoint per publication, with the secret that signs its deliveries (kept
-- as is: it must sign, so it cannot be hashed), and the deliveries themselves, a durable queue
-- like the mail outbox: the body is written in the transaction of the change it tells of, and a
-- worker claims due rows with a lease, so a killed worker's claim is taken up again.

CREATE TABLE webhooks (
    publication_id INTEGER PRIMARY KEY NOT NULL REFERENCES publications (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY NOT NULL,
    publication_id INTEGER NOT NULL REFERENCES publications (id),
    event TEXT NOT NULL,
    note_id INTEGER REFERENCES correction_notes (id),
    report_id INTEGER REFERENCES reports (id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_publication ON webhook_deliveries (publication_id, id);
