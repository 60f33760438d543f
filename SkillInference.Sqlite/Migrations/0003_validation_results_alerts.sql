-- Monitoring: each validation of the models against teacher ratings (a time series: one row per evaluation, skill,
-- model version and variant) and the alerts of every kind (correlation, drift, latency, model load), with their
-- history. At most one alert per kind, skill and version is open at a time.
CREATE TABLE validation_results (
    evaluated_at                TEXT NOT NULL,
    skill                       TEXT NOT NULL,
    model_version               TEXT NOT NULL,
    variant                     TEXT NOT NULL,
    n                           INTEGER NOT NULL,
    pearson_r                   REAL,
    ci_low                      REAL,
    ci_high                     REAL,
    spearman                    REAL,
    assessed_students           INTEGER NOT NULL,
    coverage                    REAL,
    median_label_delay_seconds  REAL,
    state                       TEXT NOT NULL CHECK (state IN ('ok', 'alert', 'insufficient_data')),
    threshold                   REAL NOT NULL,
    minimum_n                   INTEGER NOT NULL,
    PRIMARY KEY (skill, model_version, variant, evaluated_at)
);
CREATE INDEX validation_results_evaluated_at ON validation_results (evaluated_at DESC);

CREATE TABLE monitoring_alerts (
    alert_id          TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    skill             TEXT NOT NULL,
    model_version     TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'cleared')),
    value             REAL,
    threshold         REAL NOT NULL,
    n                 INTEGER,
    ci_low            REAL,
    ci_high           REAL,
    summary           TEXT NOT NULL,
    good_evaluations  INTEGER NOT NULL DEFAULT 0,
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    cleared_at        TEXT
);
CREATE UNIQUE INDEX monitoring_alerts_one_open ON monitoring_alerts (kind, skill, model_version) WHERE state = 'open';
CREATE INDEX monitoring_alerts_updated_at ON monitoring_alerts (updated_at DESC);
