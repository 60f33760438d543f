-- The batch worker's tables: the same as the PostgreSQL adapter's, in SQLite types. Timestamps are UTC text of fixed
-- width (yyyy-MM-ddTHH:mm:ss.fffffffZ), so they compare in time order; student ids compare in byte order (BINARY).

CREATE TABLE student_features (
    student_id  TEXT NOT NULL PRIMARY KEY,
    linguistic  TEXT NOT NULL CHECK (json_valid(linguistic)),
    behavioral  TEXT NOT NULL CHECK (json_valid(behavioral)),
    updated_at  TEXT NOT NULL
);
CREATE INDEX student_features_updated_at ON student_features (updated_at);

CREATE TABLE inference_runs (
    run_id                  TEXT NOT NULL PRIMARY KEY,
    mode                    TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
    status                  TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at              TEXT NOT NULL,
    finished_at             TEXT,
    watermark               TEXT,
    changed_after           TEXT,
    dispatcher              TEXT NOT NULL,
    shards                  INTEGER NOT NULL,
    shards_completed        INTEGER NOT NULL DEFAULT 0,
    students_planned        INTEGER NOT NULL,
    students                INTEGER NOT NULL DEFAULT 0,
    predictions             INTEGER NOT NULL DEFAULT 0,
    failures                INTEGER NOT NULL DEFAULT 0,
    inserted                INTEGER NOT NULL DEFAULT 0,
    duration_ms             REAL,
    students_per_second     REAL,
    predictions_per_second  REAL,
    read_ms                 REAL NOT NULL DEFAULT 0,
    score_ms                REAL NOT NULL DEFAULT 0,
    write_ms                REAL NOT NULL DEFAULT 0,
    error                   TEXT
);
CREATE INDEX inference_runs_started_at ON inference_runs (started_at DESC);
CREATE INDEX inference_runs_status ON inference_runs (status, started_at DESC);

CREATE TABLE inference_run_shards (
    run_id        TEXT NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    shard         INTEGER NOT NULL,
    students      INTEGER NOT NULL,
    predictions   INTEGER NOT NULL,
    failures      INTEGER NOT NULL,
    inserted      INTEGER NOT NULL,
    read_ms       REAL NOT NULL,
    score_ms      REAL NOT NULL,
    write_ms      REAL NOT NULL,
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, shard)
);

CREATE TABLE skill_assessments (
    student_id     TEXT NOT NULL,
    skill          TEXT NOT NULL,
    score          REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    confidence     REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    model_version  TEXT NOT NULL,
    variant        TEXT NOT NULL,
    feature_hash   TEXT NOT NULL,
    run_id         TEXT NOT NULL,
    assessed_at    TEXT NOT NULL,
    PRIMARY KEY (student_id, skill, model_version, feature_hash)
);
CREATE INDEX skill_assessments_run_id ON skill_assessments (run_id);

CREATE TABLE inference_failures (
    run_id      TEXT NOT NULL REFERENCES inference_runs (run_id) ON DELETE CASCADE,
    student_id  TEXT NOT NULL,
    skill       TEXT NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    failed_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, student_id, skill)
);

CREATE TABLE teacher_ratings (
    student_id  TEXT NOT NULL,
    skill       TEXT NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at    TEXT NOT NULL,
    PRIMARY KEY (student_id, skill)
);
