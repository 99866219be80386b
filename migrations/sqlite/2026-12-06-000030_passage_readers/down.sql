DROP INDEX reports_state_readers;
ALTER TABLE reports DROP COLUMN passage_readers;
