DROP INDEX report_counters_minute;
DROP TABLE report_counters;
