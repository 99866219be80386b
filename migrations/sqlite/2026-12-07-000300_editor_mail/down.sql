DROP TABLE overdue_alerts;
DROP TABLE digest_periods;
DROP TABLE mail_preferences;
