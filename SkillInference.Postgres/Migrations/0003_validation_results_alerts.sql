-- Monitoring: each validation of the models against teacher ratings (a time series: one row per evaluation, skill,
-- model version and variant) and the alerts of every kind (correlation, drift, latency, model load), with their
-- history. At most one alert per kind, skill and version is open at a time.
CREATE TABLE validation_results (
    evaluated_at                timestamptz NOT NULL,
    skill                       text NOT NULL,
    model_version               text NOT NULL,
    variant                     text NOT NULL,
    n                           integer NOT NULL,
    pearson_r                   double precision,
    ci_low                      double precision,
    ci_high                     double precision,
    spearman                    double precision,
    assessed_students           integer NOT NULL,
    coverage                    double precision,
    median_label_delay_seconds  double precision,
    state                       text NOT NULL CHECK (state IN ('ok', 'alert', 'insufficient_data')),
    threshold                   double precision NOT NULL,
    minimum_n                   integer NOT NULL,
    PRIMARY KEY (skill, model_version, variant, evaluated_at)
);
CREATE INDEX validation_results_evaluated_at ON validation_results (evaluated_at DESC);

CREATE TABLE monitoring_alerts (
    alert_id          uuid PRIMARY KEY,
    kind              text NOT NULL,
    skill             text NOT NULL,
    model_version     text NOT NULL,
    state             text NOT NULL CHECK (state IN ('open', 'cleared')),
    value             double precision,
    threshold         double precision NOT NULL,
    n                 integer,
    ci_low            double precision,
    ci_high           double precision,
    summary           text NOT NULL,
    good_evaluations  integer NOT NULL DEFAULT 0,
    opened_at         timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    cleared_at        timestamptz
);
CREATE UNIQUE INDEX monitoring_alerts_one_open ON monitoring_alerts (kind, skill, model_version) WHERE state = 'open';
CREATE INDEX monitoring_alerts_updated_at ON monitoring_alerts (updated_at DESC);
