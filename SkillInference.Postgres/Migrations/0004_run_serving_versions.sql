-- The versions serving each skill when a run was planned (a JSON array of {"skill", "version"}), kept only while every
-- assessment the run stored came from one of them. The next incremental run then knows every student it does not
-- select by change (or failure) already has an assessment by one of those versions, and looks no further when they
-- still serve; without it, it looked at every student's assessments of every skill (seconds at 100,000 students).
ALTER TABLE inference_runs ADD COLUMN serving jsonb;
