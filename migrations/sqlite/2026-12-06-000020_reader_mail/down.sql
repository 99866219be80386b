ALTER TABLE outbox DROP COLUMN list_unsubscribe;
DROP INDEX reports_mail_token;
ALTER TABLE reports DROP COLUMN unsubscribed_at;
ALTER TABLE reports DROP COLUMN email_confirmed_at;
ALTER TABLE reports DROP COLUMN mail_token;
ALTER TABLE reports DROP COLUMN lang;
