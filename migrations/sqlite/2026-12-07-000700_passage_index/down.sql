DROP INDEX reports_passage;
