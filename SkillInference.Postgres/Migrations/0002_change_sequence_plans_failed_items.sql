-- Incremental runs select by a change sequence the database assigns, not by the writers' updated_at: each row carries
-- the id of the transaction that last wrote it (a trigger sets it, whoever writes), and a run's watermark is the
-- oldest transaction still running when it is planned, so neither a future-dated row nor a late commit hides a change.
ALTER TABLE student_features ADD COLUMN change_seq bigint NOT NULL DEFAULT (pg_current_xact_id()::text)::bigint;
CREATE INDEX student_features_change_seq ON student_features (change_seq);

CREATE FUNCTION student_features_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := (pg_current_xact_id()::text)::bigint;
    RETURN NEW;
END
$$;
CREATE TRIGGER student_features_change_seq BEFORE INSERT OR UPDATE ON student_features
    FOR EACH ROW EXECUTE FUNCTION student_features_stamp_change();

ALTER TABLE inference_runs ADD COLUMN change_watermark bigint, ADD COLUMN changed_since bigint;

-- The shards a run was planned with: a queue delivery is accepted only for one of these.
CREATE TABLE inference_run_plans (
    run_id  uuid NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    shard   integer NOT NULL,
    task    jsonb NOT NULL,
    PRIMARY KEY (run_id, shard)
);

-- Items whose last attempt failed, until a shard scores them; later incremental runs select them again unless permanent.
ALTER TABLE inference_failures ADD COLUMN permanent boolean NOT NULL DEFAULT false;
CREATE TABLE failed_items (
    student_id  text COLLATE "C" NOT NULL,
    skill       text NOT NULL,
    run_id      uuid NOT NULL,
    error       text NOT NULL,
    attempts    integer NOT NULL,
    failed_at   timestamptz NOT NULL,
    permanent   boolean NOT NULL,
    PRIMARY KEY (student_id, skill)
);
