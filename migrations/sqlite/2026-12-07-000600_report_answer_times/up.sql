-- When each report was first answered (its first move out of `new`: a triage or a straight
-- resolution) and first resolved, kept on the report so the desk's figures read one row per report
-- instead of replaying the audit log. A reopened report keeps its first resolution: that is when
-- its reader had an answer. Both are worked out from the report's `transition` events whenever
-- one is written or re-timed, so they always agree with the log.
ALTER TABLE reports ADD COLUMN first_answered_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN first_resolved_at TIMESTAMP;

CREATE TRIGGER reports_first_answers AFTER INSERT ON events
WHEN NEW.kind = 'transition' AND NEW.report_id IS NOT NULL
BEGIN
    UPDATE reports SET
        first_answered_at = (
            SELECT MIN(e.created_at) FROM events e
            WHERE e.report_id = NEW.report_id AND e.kind = 'transition' AND e.from_value = 'new'
        ),
        first_resolved_at = (
            SELECT MIN(e.created_at) FROM events e
            WHERE e.report_id = NEW.report_id AND e.kind = 'transition'
              AND (e.to_value = 'resolved' OR e.to_value LIKE 'resolved:%')
        )
    WHERE id = NEW.report_id;
END;

CREATE TRIGGER reports_first_answers_retimed AFTER UPDATE OF created_at ON events
WHEN NEW.kind = 'transition' AND NEW.report_id IS NOT NULL
BEGIN
    UPDATE reports SET
        first_answered_at = (
            SELECT MIN(e.created_at) FROM events e
            WHERE e.report_id = NEW.report_id AND e.kind = 'transition' AND e.from_value = 'new'
        ),
        first_resolved_at = (
            SELECT MIN(e.created_at) FROM events e
            WHERE e.report_id = NEW.report_id AND e.kind = 'transition'
              AND (e.to_value = 'resolved' OR e.to_value LIKE 'resolved:%')
        )
    WHERE id = NEW.report_id;
END;

-- Reports already moved: from the audit log.
UPDATE reports SET
    first_answered_at = (
        SELECT MIN(e.created_at) FROM events e
        WHERE e.report_id = reports.id AND e.kind = 'transition' AND e.from_value = 'new'
    ),
    first_resolved_at = (
        SELECT MIN(e.created_at) FROM events e
        WHERE e.report_id = reports.id AND e.kind = 'transition'
          AND (e.to_value = 'resolved' OR e.to_value LIKE 'resolved:%')
    );
