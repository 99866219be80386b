-- A report now counts the readers of its words once, when it is filed (itself and the reports
-- filed before it on overlapping words), instead of adding one to every earlier report: this
-- index covers that count. Reports filed before keep the counts they had.
CREATE INDEX reports_passage ON reports (article_id, revision_id, quote_start, quote_end);
