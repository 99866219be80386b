DROP TRIGGER reports_first_answers_retimed;
DROP TRIGGER reports_first_answers;
ALTER TABLE reports DROP COLUMN first_resolved_at;
ALTER TABLE reports DROP COLUMN first_answered_at;
