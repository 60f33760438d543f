#!/usr/bin/python3
"""Train small, real XGBoost models and write test fixtures for the C# side.

    /usr/bin/python3 tools/tests/make_xgboost_fixtures.py OUTDIR

Deterministic (fixed seeds, 2 threads). For every configuration it writes OUTDIR/<name>/:

  model.pkl | pipeline.pkl (+ scaler.pkl)   the pickles, in the shape export_xgboost.py takes
  export_args.json   {"model", "scaler", "feature_names", "names_in_model"}: what to pass to the
                     export tool; names_in_model is false when the exported model has no names
                     (the CSV headers are then f0..f{n-1})
  rows.csv           header = feature names; 3,000 RAW rows (before scaling), '%.17g', empty = NaN.
                     The last rows are built to hit split thresholds exactly after scaling, then an
                     all-NaN row and a row at the scaler's mean.
  expected.csv       proba, one TreeSHAP contribution column per feature, bias ('%.9g', float32):
                     predict_proba(...)[:, 1] of the raw row as scikit-learn/xgboost give it, and
                     booster.predict(DMatrix(X_scaled), pred_contribs=True, iteration_range=...) with
                     the same iteration range predict_proba uses
  info.json          the configuration, for humans

and refusal cases in OUTDIR/_refuse/<name>/ (pickles, export_args.json, expected_error.txt),
plus OUTDIR/manifest.json. Re-running replaces what it wrote before (other files are left).
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting make xgboost 5-8x slower when the machine is busy (a CI
# runner building .NET beside it); passive waiting costs nothing when it is idle. Must be set
# before xgboost loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import json  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

N_THREADS = 2
N_ROWS = 3000
N_THRESHOLD_ROWS = 300
REFUSE_DIR = "_refuse"

SKILL_FEATURES_20 = [
    "lexical_diversity", "mean_sentence_length", "vocabulary_richness", "syntactic_complexity",
    "spelling_error_rate", "discourse_marker_rate", "question_rate", "hedge_word_rate",
    "readability_grade", "pronoun_we_ratio", "messages_sent", "replies_to_peers",
    "avg_response_time_s", "session_count", "active_days", "late_submissions",
    "forum_posts", "help_requests", "peer_review_score", "task_completion_rate",
]
BOOSTER_FEATURES_10 = [
    "turn_taking_ratio", "agreement_markers", "words_per_message", "shared_edits",
    "mention_count", "response_latency_s", "thread_depth", "sentiment_mean",
    "question_ratio", "session_minutes",
]
PIPELINE_FEATURES_12 = [
    "type_token_ratio", "avg_word_length", "clause_density", "connective_rate",
    "first_person_plural", "edits_per_session", "comments_given", "comments_received",
    "login_streak_days", "video_minutes", "quiz_attempts", "on_time_ratio",
]


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------

class NamedArray(np.ndarray):
    """A numpy array with a `columns` attribute: what scikit-learn reads feature names from
    (as it would from a pandas DataFrame, which is not installed here)."""


def named(X: np.ndarray, names: list[str]) -> NamedArray:
    a = X.view(NamedArray)
    a.columns = list(names)
    return a


def make_features(rng: np.random.Generator, n: int, n_features: int, scales: np.ndarray | None = None,
                  constant_cols: tuple[int, ...] = ()) -> np.ndarray:
    """A mix of distributions, like real features: normals, rates in [0,1], counts, skewed times."""
    cols = []
    for j in range(n_features):
        kind = j % 5
        if kind == 0:
            c = rng.normal(loc=0.5 * j, scale=1.0 + 0.1 * j, size=n)
        elif kind == 1:
            c = rng.beta(2.0, 5.0, size=n)                       # a rate
        elif kind == 2:
            c = rng.poisson(3.0 + j, size=n).astype(np.float64)  # a count (many ties)
        elif kind == 3:
            c = rng.lognormal(mean=1.0, sigma=0.8, size=n)        # skewed, e.g. seconds
        else:
            c = rng.uniform(-2.0, 2.0, size=n)
        cols.append(c)
    X = np.column_stack(cols)
    if scales is not None:
        X = X * scales[None, :]
    for j in constant_cols:
        X[:, j] = 3.25
    return X


def make_labels(rng: np.random.Generator, X: np.ndarray, noise: float = 1.0) -> np.ndarray:
    """Noisy nonlinear labels from the (complete) features."""
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - mu) / sd
    n_features = X.shape[1]
    logit = (
        1.5 * np.sin(2.0 * Z[:, 0])
        + Z[:, 1] * Z[:, 2]
        + 1.2 * (Z[:, 3] > 0.3)
        - 0.6 * Z[:, 4] ** 2
        + 0.5 * Z[:, 5]
        + 0.4 * Z[:, 6] * Z[:, 7]
        + 0.3
    )
    for j in range(8, n_features):
        logit = logit + (0.25 if j % 2 else -0.2) * Z[:, j]
    # The Bernoulli draw is the noise; noise < 1 flattens the logit (noisier labels).
    p = 1.0 / (1.0 + np.exp(-logit * noise))
    return (rng.random(X.shape[0]) < p).astype(np.int64)


def insert_nan(rng: np.random.Generator, X: np.ndarray, share: float, skip_cols: tuple[int, ...] = ()) -> np.ndarray:
    X = X.copy()
    if share <= 0:
        return X
    mask = rng.random(X.shape) < share
    for j in skip_cols:
        mask[:, j] = False
    X[mask] = np.nan
    return X


# --------------------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------------------

def write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, allow_nan=False)
        f.write("\n")


def write_pickle(path: Path, obj) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)


def read_pickle(path: Path):
    with open(path, "rb") as f:
        return pickle.load(f)


def fmt17(v: float) -> str:
    return "" if math.isnan(v) else "%.17g" % v


def fmt9(v) -> str:
    return "%.9g" % float(np.float32(v))


def write_rows_csv(path: Path, names: list[str], X: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(names) + "\n")
        for row in X:
            f.write(",".join(fmt17(float(v)) for v in row) + "\n")


def write_expected_csv(path: Path, names: list[str], proba: np.ndarray, contribs: np.ndarray) -> None:
    assert proba.dtype == np.float32 and contribs.dtype == np.float32
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(["proba"] + names + ["bias"]) + "\n")
        for p, c in zip(proba, contribs):
            f.write(",".join([fmt9(p)] + [fmt9(v) for v in c]) + "\n")


# --------------------------------------------------------------------------------------
# threshold rows: raw values whose scaled float32 value equals a split threshold
# --------------------------------------------------------------------------------------

def split_thresholds(booster: xgb.Booster) -> dict[int, np.ndarray]:
    doc = json.loads(booster.save_raw("json"))
    gb = doc["learner"]["gradient_booster"]
    model = gb["gbtree"]["model"] if gb["name"] == "dart" else gb["model"]
    per_feature: dict[int, set] = {}
    for tree in model["trees"]:
        for left, idx, cond in zip(tree["left_children"], tree["split_indices"], tree["split_conditions"]):
            if left != -1:
                per_feature.setdefault(int(idx), set()).add(float(np.float32(cond)))
    return {k: np.array(sorted(v)) for k, v in per_feature.items()}


def raw_for_scaled(t: float, mean: float, scale: float) -> float | None:
    """A float64 raw value x with float32((x - mean) / scale) == float32(t), or None."""
    t32 = np.float32(t)
    x = float(t) * scale + mean
    candidates = [x]
    up = down = x
    for _ in range(64):
        up = float(np.nextafter(up, math.inf))
        down = float(np.nextafter(down, -math.inf))
        candidates += [up, down]
    for c in candidates:
        if np.float32((c - mean) / scale) == t32:
            return c
    return None


def threshold_rows(rng, base_rows: np.ndarray, booster: xgb.Booster, mean: np.ndarray | None,
                   scale: np.ndarray | None, count: int) -> np.ndarray:
    thr = split_thresholds(booster)
    features = sorted(thr)
    out = base_rows[:count].copy()
    hits = 0
    for r in range(count):
        k = min(len(features), int(rng.integers(2, 7)))
        for j in rng.choice(features, size=k, replace=False):
            t = float(rng.choice(thr[j]))
            if mean is None:
                v = t  # no scaler: the threshold itself (a float32 value, exact in float64)
            else:
                v = raw_for_scaled(t, float(mean[j]), float(scale[j]))
                if v is None:
                    continue
            out[r, j] = v
            hits += 1
    return out, hits


# --------------------------------------------------------------------------------------
# configurations
# --------------------------------------------------------------------------------------

def xgb_common(seed: int) -> dict:
    return dict(n_jobs=N_THREADS, random_state=seed)


CONFIGS = [
    dict(name="hist_depth4_scaler_pipeline", shape="pipeline", n_features=8, missing=0.10, seed=101,
         params=dict(booster="gbtree", tree_method="hist", max_depth=4, n_estimators=100, base_score=0.5)),
    dict(name="exact_depth6_300trees_base03", shape="classifier+scaler", n_features=20, missing=0.05, seed=102,
         n_train=3000,
         names=SKILL_FEATURES_20, names_source="--feature-names",
         params=dict(booster="gbtree", tree_method="exact", max_depth=6, n_estimators=300, base_score=0.3,
                     learning_rate=0.1, subsample=0.9, colsample_bytree=0.8)),
    dict(name="approx_nan_heavy", shape="classifier+scaler", n_features=10, missing=0.40, seed=103,
         params=dict(booster="gbtree", tree_method="approx", max_depth=5, n_estimators=150)),
    dict(name="dart", shape="pipeline", n_features=9, missing=0.10, seed=104,
         params=dict(booster="dart", rate_drop=0.1, skip_drop=0.5, sample_type="uniform", normalize_type="tree",
                     tree_method="hist", max_depth=4, n_estimators=80, base_score=0.6)),
    dict(name="no_scaler_booster", shape="booster", n_features=10, missing=0.10, seed=105,
         names=BOOSTER_FEATURES_10, names_source="booster",
         params=dict(objective="binary:logistic", tree_method="hist", max_depth=5, num_boost_round=120,
                     base_score=0.45, eta=0.2)),
    dict(name="early_stopping", shape="classifier+scaler", n_features=8, missing=0.10, seed=106, label_noise=0.5,
         params=dict(booster="gbtree", tree_method="hist", max_depth=5, n_estimators=400, learning_rate=0.3,
                     early_stopping_rounds=10, eval_metric="logloss")),
    dict(name="lossguide_max_leaves", shape="pipeline", n_features=12, missing=0.10, seed=107,
         names=PIPELINE_FEATURES_12, names_source="scaler.feature_names_in_",
         params=dict(booster="gbtree", tree_method="hist", grow_policy="lossguide", max_leaves=31, max_depth=0,
                     n_estimators=100, base_score=0.2)),
    dict(name="tiny_values", shape="classifier+scaler", n_features=10, missing=0.05, seed=108, tiny=True,
         params=dict(booster="gbtree", tree_method="hist", max_depth=3, n_estimators=60)),
]


def make_config(outdir: Path, cfg: dict) -> dict:
    started = time.perf_counter()
    name = cfg["name"]
    d = outdir / name
    d.mkdir(parents=True)
    rng = np.random.default_rng(cfg["seed"])
    F = cfg["n_features"]
    scales = None
    constant_cols: tuple[int, ...] = ()
    if cfg.get("tiny"):
        scales = 10.0 ** np.linspace(-6, 6, F)
        constant_cols = (F // 2,)
    n_train, n_valid = cfg.get("n_train", 4000), 1500
    X_all = make_features(rng, n_train + n_valid + N_ROWS, F, scales, constant_cols)
    y_all = make_labels(rng, X_all, noise=cfg.get("label_noise", 1.0))
    X_all = insert_nan(rng, X_all, cfg["missing"])
    X_tr, y_tr = X_all[:n_train], y_all[:n_train]
    X_va, y_va = X_all[n_train:n_train + n_valid], y_all[n_train:n_train + n_valid]
    X_ev, y_ev = X_all[n_train + n_valid:], y_all[n_train + n_valid:]

    names = cfg.get("names")
    shape = cfg["shape"]
    params = dict(cfg["params"])
    info_names_source = cfg.get("names_source") if names else None
    scaler_file = None
    feature_names_arg = None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        if shape == "pipeline":
            scaler = StandardScaler()
            clf = xgb.XGBClassifier(**params, **xgb_common(cfg["seed"]))
            pipe = Pipeline([("scaler", scaler), ("xgb", clf)])
            X_fit = named(X_tr, names) if names else X_tr
            pipe.fit(X_fit, y_tr)
            model_file = "pipeline.pkl"
            write_pickle(d / model_file, pipe)
        elif shape == "classifier+scaler":
            scaler = StandardScaler().fit(X_tr)
            es = params.pop("early_stopping_rounds", None)
            eval_metric = params.pop("eval_metric", None)
            clf = xgb.XGBClassifier(**params, **xgb_common(cfg["seed"]),
                                    **({"early_stopping_rounds": es, "eval_metric": eval_metric} if es else {}))
            fit_kw = {}
            if es:
                fit_kw = dict(eval_set=[(scaler.transform(X_va), y_va)], verbose=False)
            clf.fit(scaler.transform(X_tr), y_tr, **fit_kw)
            model_file, scaler_file = "model.pkl", "scaler.pkl"
            write_pickle(d / model_file, clf)
            write_pickle(d / scaler_file, scaler)
            if names:
                feature_names_arg = ",".join(names)
        elif shape == "booster":
            p = dict(params)
            rounds = p.pop("num_boost_round")
            p.update(nthread=N_THREADS, seed=cfg["seed"])
            dtrain = xgb.DMatrix(X_tr, label=y_tr, missing=np.nan, feature_names=names)
            booster = xgb.train(p, dtrain, num_boost_round=rounds)
            model_file = "model.pkl"
            write_pickle(d / model_file, booster)
        else:
            raise AssertionError(shape)

        # ---- evaluation rows: random held-out rows, threshold rows, an all-NaN row, a mean row
        if shape == "pipeline":
            pipe = read_pickle(d / model_file)
            scaler_l, clf_l = pipe.steps[0][1], pipe.steps[1][1]
            booster_l = clf_l.get_booster()
        elif shape == "classifier+scaler":
            clf_l, scaler_l = read_pickle(d / model_file), read_pickle(d / scaler_file)
            booster_l = clf_l.get_booster()
        else:
            booster_l, scaler_l, clf_l = read_pickle(d / model_file), None, None

        mean = scale = None
        if scaler_l is not None:
            mean = np.asarray(scaler_l.mean_, dtype=np.float64)
            scale = np.asarray(scaler_l.scale_, dtype=np.float64)
        n_random = N_ROWS - N_THRESHOLD_ROWS - 2
        thr_rows, thr_hits = threshold_rows(rng, X_ev[n_random:], booster_l, mean, scale, N_THRESHOLD_ROWS)
        all_nan = np.full((1, F), np.nan)
        mean_row = (mean if mean is not None else np.zeros(F)).reshape(1, F).copy()
        X_rows = np.vstack([X_ev[:n_random], thr_rows, all_nan, mean_row])
        assert X_rows.shape == (N_ROWS, F)

        # ---- expected values, from the pickles as loaded back
        best_iteration = None
        early_stopped = False
        if clf_l is not None:
            X_in = named(X_rows, names) if (shape == "pipeline" and names) else X_rows
            if shape == "pipeline":
                proba = pipe.predict_proba(X_in)[:, 1]
                X_scaled = scaler_l.transform(X_in)
            else:
                X_scaled = scaler_l.transform(X_rows)
                proba = clf_l.predict_proba(X_scaled)[:, 1]
            try:
                best_iteration = int(clf_l.best_iteration)
                iteration_range = (0, best_iteration + 1)
            except AttributeError:
                iteration_range = (0, 0)
            early_stopped = booster_l.attr("best_score") is not None
            dm_names = None
        else:
            X_scaled = X_rows
            dm_names = names
            proba = booster_l.predict(xgb.DMatrix(X_scaled, missing=np.nan, feature_names=dm_names))
            iteration_range = (0, 0)
            if booster_l.attr("best_iteration") is not None:
                best_iteration = int(booster_l.attr("best_iteration"))
        dm = xgb.DMatrix(X_scaled, missing=np.nan, feature_names=dm_names)
        contribs = booster_l.predict(dm, pred_contribs=True, iteration_range=iteration_range)
        proba = np.asarray(proba)
        assert proba.dtype == np.float32, proba.dtype
        assert contribs.shape == (N_ROWS, F + 1)
        # The expected proba must be what xgboost computes from the float32-cast scaled rows (what the
        # C# side does). predict_proba uses inplace_predict; booster.predict(DMatrix) sums dart trees
        # differently (see check_export.py), so it is compared, not required, for dart.
        X32 = X_scaled.astype(np.float32)
        inplace = booster_l.inplace_predict(X32, iteration_range=iteration_range, missing=np.nan)
        assert np.array_equal(inplace, proba), f"{name}: inplace_predict differs from the expected proba"
        via_dmatrix = booster_l.predict(xgb.DMatrix(X32, missing=np.nan, feature_names=dm_names),
                                        iteration_range=iteration_range)
        dmatrix_max_diff = float(np.max(np.abs(via_dmatrix.astype(np.float64) - proba)))
        if cfg_booster(booster_l) != "dart":
            assert dmatrix_max_diff == 0.0, f"{name}: booster.predict(DMatrix) differs from predict_proba"

    n_trees = len(split_trees(booster_l))
    if name == "early_stopping":
        n_est = cfg["params"]["n_estimators"]
        assert early_stopped, "early stopping did not happen"
        assert best_iteration is not None and best_iteration < n_est - 10, (best_iteration, n_est)

    header = list(names) if names else [f"f{i}" for i in range(F)]
    write_rows_csv(d / "rows.csv", header, X_rows)
    write_expected_csv(d / "expected.csv", header, proba.astype(np.float32), contribs.astype(np.float32))
    write_json(d / "export_args.json", {
        "model": model_file,
        "scaler": scaler_file,
        "feature_names": feature_names_arg,
        "names_in_model": bool(names),
    })

    cfg_doc = json.loads(booster_l.save_config())["learner"]
    auc = float(roc_auc_score(y_ev[:n_random], proba[:n_random]))
    info = {
        "name": name,
        "shape": shape,
        "booster": cfg_doc["gradient_booster"]["name"],
        "tree_method": cfg["params"].get("tree_method"),
        "params": {k: v for k, v in cfg["params"].items()},
        "n_features": F,
        "n_trees": n_trees,
        "best_iteration": best_iteration,
        "early_stopping": early_stopped,
        "iteration_range": list(iteration_range),
        "base_score": float(cfg_doc["learner_model_param"]["base_score"]),
        "missing_share": cfg["missing"],
        "has_scaler": scaler_l is not None,
        "names": list(names) if names else None,
        "names_source": info_names_source,
        "n_rows": N_ROWS,
        "rows_layout": {
            "random_heldout": [0, n_random],
            "threshold_hits": [n_random, n_random + N_THRESHOLD_ROWS],
            "threshold_values_set": thr_hits,
            "all_nan": n_random + N_THRESHOLD_ROWS,
            "scaler_mean_or_zero": n_random + N_THRESHOLD_ROWS + 1,
        },
        "heldout_auc": round(auc, 4),
        "dmatrix_predict_max_abs_diff": dmatrix_max_diff,
        "train_rows": n_train,
        "seed": cfg["seed"],
        "tiny_values": bool(cfg.get("tiny")),
        "constant_columns": list(constant_cols),
    }
    write_json(d / "info.json", info)
    return dict(info, seconds=round(time.perf_counter() - started, 2))


def cfg_booster(booster: xgb.Booster) -> str:
    return json.loads(booster.save_config())["learner"]["gradient_booster"]["name"]


def split_trees(booster: xgb.Booster) -> list:
    doc = json.loads(booster.save_raw("json"))
    gb = doc["learner"]["gradient_booster"]
    model = gb["gbtree"]["model"] if gb["name"] == "dart" else gb["model"]
    return model["trees"]


# --------------------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------------------

def make_refusals(outdir: Path) -> tuple[list[dict], dict]:
    base = outdir / REFUSE_DIR
    base.mkdir(parents=True)
    rng = np.random.default_rng(900)
    F = 8
    X = make_features(rng, 1500, F)
    y = make_labels(rng, X)
    small = dict(n_estimators=10, max_depth=3, n_jobs=N_THREADS, random_state=900)
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    out: list[dict] = []
    notes: dict = {}

    def case(name, files: dict, expected: str, model="model.pkl", scaler_file=None, feature_names=None, why=""):
        d = base / name
        d.mkdir()
        for fname, obj in files.items():
            if isinstance(obj, bytes):
                (d / fname).write_bytes(obj)
            else:
                write_pickle(d / fname, obj)
        write_json(d / "export_args.json", {"model": model, "scaler": scaler_file, "feature_names": feature_names})
        (d / "expected_error.txt").write_text(expected + "\n", encoding="utf-8")
        out.append({"name": name, "expected_error": expected, "why": why})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        y3 = np.digitize(X[:, 0], np.quantile(X[:, 0], [1 / 3, 2 / 3]))
        case("multiclass", {"model.pkl": xgb.XGBClassifier(**small).fit(Xs, y3), "scaler.pkl": scaler},
             "multi-class", scaler_file="scaler.pkl", why="3 classes (multi:softprob)")
        case("regression", {"model.pkl": xgb.XGBRegressor(objective="reg:squarederror", **small).fit(Xs, X[:, 1])},
             "reg:squarederror", why="an XGBRegressor")
        dtr = xgb.DMatrix(Xs, label=X[:, 1])
        case("regression_booster", {"model.pkl": xgb.train({"objective": "reg:squarederror", "nthread": N_THREADS}, dtr, 5)},
             "reg:squarederror", why="a Booster with objective reg:squarederror")
        case("gblinear", {"model.pkl": xgb.XGBClassifier(booster="gblinear", n_estimators=10, n_jobs=N_THREADS,
                                                         random_state=900).fit(Xs, y)},
             "gblinear", why="linear booster")
        case("logitraw", {"model.pkl": xgb.XGBClassifier(objective="binary:logitraw", **small).fit(Xs, y)},
             "binary:logitraw", why="margin output, not a probability")
        case("hinge", {"model.pkl": xgb.XGBClassifier(objective="binary:hinge", **small).fit(Xs, y)},
             "binary:hinge", why="0/1 output")
        case("not_a_model", {"model.pkl": {"weights": [1, 2, 3], "kind": "not a model"}},
             "dict", why="a pickled dict")
        case("unreadable_pickle", {"model.pkl": b"\x80\x04this is not a pickle"},
             "cannot read", why="garbage bytes")
        case("pipeline_wrong_steps", {"pipeline.pkl": Pipeline([("scale", MinMaxScaler()),
                                                                 ("xgb", xgb.XGBClassifier(**small))]).fit(X, y)},
             "MinMaxScaler", model="pipeline.pkl", why="Pipeline(MinMaxScaler, XGBClassifier)")
        case("pipeline_reversed", {"pipeline.pkl": Pipeline([("xgb", xgb.XGBClassifier(**small)),
                                                              ("scaler", StandardScaler())])},
             "Pipeline(StandardScaler, XGBClassifier)", model="pipeline.pkl", why="steps in the wrong order (unfitted)")
        pipe_ok = Pipeline([("scaler", StandardScaler()), ("xgb", xgb.XGBClassifier(**small))]).fit(X, y)
        case("pipeline_plus_scaler", {"pipeline.pkl": pipe_ok, "scaler.pkl": scaler},
             "do not pass --scaler", model="pipeline.pkl", scaler_file="scaler.pkl", why="the Pipeline has a scaler")
        clf = xgb.XGBClassifier(**small).fit(Xs, y)
        case("scaler_feature_mismatch", {"model.pkl": clf, "scaler.pkl": StandardScaler().fit(X[:, :F - 1])},
             "feature count mismatch", scaler_file="scaler.pkl", why="scaler on 7 features, model on 8")
        case("names_count_mismatch", {"model.pkl": clf, "scaler.pkl": scaler},
             "feature count mismatch", scaler_file="scaler.pkl", feature_names=",".join(f"x{i}" for i in range(F + 1)),
             why="9 names for 8 features")
        named_booster = xgb.train({"objective": "binary:logistic", "nthread": N_THREADS, "max_depth": 3},
                                  xgb.DMatrix(Xs, label=y, feature_names=[f"b{i}" for i in range(F)]), 5)
        case("names_disagree", {"model.pkl": named_booster}, "feature names disagree",
             feature_names=",".join(f"c{i}" for i in range(F)), why="booster names b0.. vs --feature-names c0..")
        case("unfitted_scaler", {"model.pkl": clf, "scaler.pkl": StandardScaler()},
             "not fitted", scaler_file="scaler.pkl", why="StandardScaler never fitted")
        case("scaler_not_standard", {"model.pkl": clf, "scaler.pkl": MinMaxScaler().fit(X)},
             "MinMaxScaler", scaler_file="scaler.pkl", why="--scaler holds a MinMaxScaler")

        # categorical: xgboost 1.7 can train on categorical features without pandas, through
        # DMatrix(feature_types=[..., 'c'], enable_categorical=True) with the hist tree method.
        try:
            Xc = X.copy()
            cat = rng.integers(0, 6, size=Xc.shape[0])
            Xc[:, F - 1] = cat
            yc = ((np.isin(cat, [1, 4, 5]).astype(float) + 0.3 * Xc[:, 0] + rng.normal(0, 0.5, Xc.shape[0])) > 0.8)
            dcat = xgb.DMatrix(Xc, label=yc.astype(int), feature_types=["q"] * (F - 1) + ["c"], enable_categorical=True)
            bcat = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_cat_to_onehot": 1,
                              "max_depth": 3, "nthread": N_THREADS, "seed": 900}, dcat, 10)
            has_cat_split = any(1 in t["split_type"] for t in split_trees(bcat))
            notes["categorical"] = {"possible": True, "has_categorical_split": bool(has_cat_split)}
            case("categorical", {"model.pkl": bcat}, "categorical", why="feature_types 'c' with categorical splits")
            # The same trees with the feature types erased: only the trees' split_type shows it.
            bcat_untyped = bcat.copy()
            bcat_untyped.feature_types = None
            case("categorical_splits_only", {"model.pkl": bcat_untyped}, "categorical split",
                 why="categorical splits (split_type 1) but no 'c' in feature_types")
        except Exception as e:  # pragma: no cover - depends on the xgboost build
            notes["categorical"] = {"possible": False, "reason": f"{type(e).__name__}: {e}"}
    return out, notes


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

def clean(outdir: Path) -> None:
    for cfg in CONFIGS:
        shutil.rmtree(outdir / cfg["name"], ignore_errors=True)
    shutil.rmtree(outdir / REFUSE_DIR, ignore_errors=True)
    try:
        (outdir / "manifest.json").unlink()
    except FileNotFoundError:
        pass


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if len(argv) != 2 else sys.stdout)
        return 0 if len(argv) == 2 else 2
    outdir = Path(argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    clean(outdir)
    started = time.perf_counter()
    configs = []
    for cfg in CONFIGS:
        info = make_config(outdir, cfg)
        configs.append(info)
        extra = f", best_iteration {info['best_iteration']}" if info["early_stopping"] else ""
        print(f"{info['name']}: {info['shape']}, {info['booster']}/{info['tree_method']}, {info['n_trees']} trees{extra}, "
              f"{info['n_features']} features, base_score {info['base_score']:g}, "
              f"{info['missing_share']:.0%} NaN, AUC {info['heldout_auc']:.3f} ({info['seconds']:.1f} s)")
    refusals, notes = make_refusals(outdir)
    for r in refusals:
        print(f"{REFUSE_DIR}/{r['name']}: expects error containing {r['expected_error']!r}")
    if not notes.get("categorical", {}).get("possible"):
        print(f"categorical refusal skipped: {notes['categorical'].get('reason')}")
    write_json(outdir / "manifest.json", {
        "generator": "tools/tests/make_xgboost_fixtures.py",
        "xgboost_version": xgb.__version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "n_rows": N_ROWS,
        "configs": [{k: c[k] for k in ("name", "shape", "booster", "tree_method", "n_features", "n_trees",
                                        "best_iteration", "early_stopping", "base_score", "has_scaler",
                                        "names_source")} for c in configs],
        "refusals": refusals,
        "notes": notes,
    })
    print(f"wrote {len(configs)} configurations and {len(refusals)} refusals to {outdir} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
