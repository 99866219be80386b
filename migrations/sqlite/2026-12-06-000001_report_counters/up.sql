-- The reader-side rate limit: report filings counted per sender (a salted hash of the address,
-- never the address) and publication, in one-minute buckets, so that the hourly limit slides and
-- a restart does not reset it. Buckets older than an hour are pruned as filings arrive.
CREATE TABLE report_counters (
    sender_hash TEXT NOT NULL,
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    minute TIMESTAMP NOT NULL,
    filings INTEGER NOT NULL CHECK (filings > 0),
    PRIMARY KEY (sender_hash, publication_id, minute)
);
CREATE INDEX report_counters_minute ON report_counters (minute);
