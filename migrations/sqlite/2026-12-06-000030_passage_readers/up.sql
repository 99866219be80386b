-- How many readers reported a passage: each report counts itself and the other reports of its
-- article on overlapping words, kept at filing time, so the queue can sort by the most-reported
-- passage with an index instead of comparing every report with every other.
ALTER TABLE reports ADD COLUMN passage_readers BIGINT NOT NULL DEFAULT 1;

-- Reports already filed: counted on the spans they were filed with, within one revision.
UPDATE reports SET passage_readers = (
    SELECT COUNT(*) FROM reports o
    WHERE o.article_id = reports.article_id
      AND o.revision_id = reports.revision_id
      AND o.quote_start < reports.quote_end
      AND reports.quote_start < o.quote_end
);

CREATE INDEX reports_state_readers ON reports (state, passage_readers DESC, id);
