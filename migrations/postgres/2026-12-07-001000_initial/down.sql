-- Drops everything up.sql created, dependants before what they refer to. Dropping a table drops its
-- triggers and indexes; the trigger functions go after.
DROP TABLE search_indexed;
DROP TABLE overdue_alerts;
DROP TABLE digest_periods;
DROP TABLE mail_preferences;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE report_counts;
DROP TABLE signin_failures;
DROP TABLE password_tokens;
DROP TABLE sessions;
DROP TABLE report_counters;
DROP TABLE events;
DROP TABLE outbox;
DROP TABLE anchors;
DROP TABLE note_reports;
DROP TABLE note_versions;
DROP TABLE correction_notes;
DROP TABLE reports;
DROP TABLE revisions;
DROP TABLE articles;
DROP TABLE publication_origins;
DROP TABLE publications;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE settings;

DROP FUNCTION reports_first_answers();
DROP FUNCTION report_counts_update();
DROP FUNCTION report_counts_delete();
DROP FUNCTION report_counts_insert();
