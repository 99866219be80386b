-- Editor mail. How each dashboard user hears of new reports, per publication: at once, in an
-- hourly or a daily digest, or not at all (no row: the daily digest). The digest periods already
-- dealt with, one row per user, frequency and period (whether or not it had reports), so that a
-- restart neither skips nor repeats a period and two workers cannot both send one. And the reports
-- whose "waiting past the target time" alert went out, so it goes once.

CREATE TABLE mail_preferences (
    user_id BIGINT NOT NULL REFERENCES users (id),
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    new_reports TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, publication_id)
);

CREATE TABLE digest_periods (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    frequency TEXT NOT NULL,
    period_start TIMESTAMP NOT NULL,
    period_end TIMESTAMP NOT NULL,
    reports BIGINT NOT NULL,
    outbox_id BIGINT REFERENCES outbox (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, frequency, period_start)
);

CREATE TABLE overdue_alerts (
    report_id BIGINT PRIMARY KEY NOT NULL REFERENCES reports (id),
    created_at TIMESTAMP NOT NULL
);

-- A backlog already past its target time when this ships is not alerted about: that would be one
-- email per report to every editor at once. Reports that pass their target from now on are.
INSERT INTO overdue_alerts (report_id, created_at)
SELECT reports.id, CURRENT_TIMESTAMP
FROM reports
JOIN articles ON articles.id = reports.article_id
JOIN publications ON publications.id = articles.publication_id
WHERE reports.state = 'new'
  AND datetime(reports.created_at, '+' || publications.target_hours || ' hours') <= datetime('now');
