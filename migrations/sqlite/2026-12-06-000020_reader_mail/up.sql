-- Reader mail: the language a report was filed in (its mail is written in it), a secret for the
-- links only its mail carries (confirm, unsubscribe), when the reader confirmed the address (later
-- mail goes only to a confirmed one) and when they unsubscribed; and the unsubscribe link an
-- outbox message is sent with (RFC 8058 headers), kept on the row so a retry sends the same.
-- Reports filed before this stay unconfirmed: their readers had no link to confirm with, and mail
-- is never sent to an address its owner did not confirm.

ALTER TABLE reports ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE reports ADD COLUMN mail_token TEXT;
ALTER TABLE reports ADD COLUMN email_confirmed_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN unsubscribed_at TIMESTAMP;
CREATE UNIQUE INDEX reports_mail_token ON reports (mail_token);

ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
