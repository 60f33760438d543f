-- The batch worker's tables. Student ids compare in byte order (COLLATE "C") so that keyset ranges are the same in
-- every database, whatever its locale.

CREATE TABLE student_features (
    student_id  text COLLATE "C" PRIMARY KEY,
    linguistic  jsonb NOT NULL,
    behavioral  jsonb NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX student_features_updated_at ON student_features (updated_at);

CREATE TABLE inference_runs (
    run_id                  uuid PRIMARY KEY,
    mode                    text NOT NULL CHECK (mode IN ('full', 'incremental')),
    status                  text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at              timestamptz NOT NULL,
    finished_at             timestamptz,
    watermark               timestamptz,
    changed_after           timestamptz,
    dispatcher              text NOT NULL,
    shards                  integer NOT NULL,
    shards_completed        integer NOT NULL DEFAULT 0,
    students_planned        integer NOT NULL,
    students                integer NOT NULL DEFAULT 0,
    predictions             bigint NOT NULL DEFAULT 0,
    failures                integer NOT NULL DEFAULT 0,
    inserted                bigint NOT NULL DEFAULT 0,
    duration_ms             double precision,
    students_per_second     double precision,
    predictions_per_second  double precision,
    read_ms                 double precision NOT NULL DEFAULT 0,
    score_ms                double precision NOT NULL DEFAULT 0,
    write_ms                double precision NOT NULL DEFAULT 0,
    error                   text
);
CREATE INDEX inference_runs_started_at ON inference_runs (started_at DESC);
CREATE INDEX inference_runs_status ON inference_runs (status, started_at DESC);

-- One row per stored shard: makes a re-delivered shard a no-op and lets the last shard finish its run.
CREATE TABLE inference_run_shards (
    run_id        uuid NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    shard         integer NOT NULL,
    students      integer NOT NULL,
    predictions   integer NOT NULL,
    failures      integer NOT NULL,
    inserted      integer NOT NULL,
    read_ms       double precision NOT NULL,
    score_ms      double precision NOT NULL,
    write_ms      double precision NOT NULL,
    completed_at  timestamptz NOT NULL,
    PRIMARY KEY (run_id, shard)
);

CREATE TABLE skill_assessments (
    student_id     text COLLATE "C" NOT NULL,
    skill          text NOT NULL,
    score          double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    confidence     double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    model_version  text NOT NULL,
    variant        text NOT NULL,
    feature_hash   text NOT NULL,
    run_id         uuid NOT NULL,
    assessed_at    timestamptz NOT NULL,
    CONSTRAINT skill_assessments_key PRIMARY KEY (student_id, skill, model_version, feature_hash)
);
CREATE INDEX skill_assessments_run_id ON skill_assessments (run_id);

CREATE TABLE inference_failures (
    run_id      uuid NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    student_id  text COLLATE "C" NOT NULL,
    skill       text NOT NULL,
    error       text NOT NULL,
    attempts    integer NOT NULL,
    failed_at   timestamptz NOT NULL,
    PRIMARY KEY (run_id, student_id, skill)
);

CREATE TABLE teacher_ratings (
    student_id  text COLLATE "C" NOT NULL,
    skill       text NOT NULL,
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at    timestamptz NOT NULL,
    PRIMARY KEY (student_id, skill)
);
