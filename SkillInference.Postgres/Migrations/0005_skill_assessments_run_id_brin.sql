-- The run_id index as BRIN instead of a B-tree. Every row of a run carries the same run_id, so the B-tree took all of
-- a run's inserts on its rightmost page, deduplicating and splitting it over and over: about a fifth of the server's
-- CPU in a full run (700,000 rows). Rows are only ever appended and run ids are version 7 UUIDs (ordered by time), so
-- each range of pages holds one run or two and a BRIN index finds a run's rows as well, at almost no cost per insert.
-- autosummarize: the ranges a run fills are summarized by autovacuum as they fill, not only at the next VACUUM.
DROP INDEX skill_assessments_run_id;
CREATE INDEX skill_assessments_run_id ON skill_assessments USING brin (run_id) WITH (autosummarize = on);
