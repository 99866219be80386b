DROP INDEX reports_sender;
DROP INDEX reports_passage;
