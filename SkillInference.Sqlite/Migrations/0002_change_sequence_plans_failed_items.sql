-- Incremental runs select by a change sequence the database assigns, not by the writers' updated_at: triggers stamp
-- every written row with the counter's value (whoever writes), and taking a run's watermark moves the counter on.
ALTER TABLE student_features ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX student_features_change_seq ON student_features (change_seq);
CREATE TABLE change_sequence (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO change_sequence (id, value) VALUES (1, 1);
CREATE TRIGGER student_features_inserted AFTER INSERT ON student_features BEGIN
    UPDATE student_features SET change_seq = (SELECT value FROM change_sequence WHERE id = 1) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER student_features_updated AFTER UPDATE OF linguistic, behavioral, updated_at ON student_features BEGIN
    UPDATE student_features SET change_seq = (SELECT value FROM change_sequence WHERE id = 1) WHERE rowid = NEW.rowid;
END;

ALTER TABLE inference_runs ADD COLUMN change_watermark INTEGER;
ALTER TABLE inference_runs ADD COLUMN changed_since INTEGER;

-- The shards a run was planned with: a queue delivery is accepted only for one of these.
CREATE TABLE inference_run_plans (
    run_id  TEXT NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    shard   INTEGER NOT NULL,
    task    TEXT NOT NULL CHECK (json_valid(task)),
    PRIMARY KEY (run_id, shard)
);

-- Items whose last attempt failed, until a shard scores them; later incremental runs select them again unless permanent.
ALTER TABLE inference_failures ADD COLUMN permanent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE failed_items (
    student_id  TEXT NOT NULL,
    skill       TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    failed_at   TEXT NOT NULL,
    permanent   INTEGER NOT NULL,
    PRIMARY KEY (student_id, skill)
);
