-- A report now counts the readers of its words once, when it is filed (itself and the reports
-- filed before it on overlapping words), instead of adding one to every earlier report: this
-- index covers that count. Reports filed before keep the counts they had.
CREATE INDEX reports_passage ON reports (article_id, revision_id, quote_start, quote_end);

-- A sender's repeat of a recent filing is found by its exact words: without this, finding it
-- read every report of the article.
CREATE INDEX reports_sender ON reports (ip_hash, article_id, description);
