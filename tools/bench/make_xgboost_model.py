#!/usr/bin/python3
"""Train the benchmark suite's XGBoost model and write the rows every engine is timed on.

    /usr/bin/python3 tools/bench/make_xgboost_model.py --out DIR [--bench-rows N] [--verify-rows N]
        [--trees 300 --depth 6 --features 20 --name XGB-300x6]

Run it with Debian's interpreter (python3-xgboost, python3-sklearn). Deterministic (fixed seeds). The defaults make
the suite's XGB-300x6; `--trees 400 --depth 8 --features 24 --name XGB-400x8` its deep model. It writes into DIR:

  model.pkl        the fitted xgboost.XGBClassifier: --trees trees, max_depth --depth, --features features,
                   binary:logistic, hist, trained on synthetic data with about 6% missing values (NaN)
  export/          tools/export_xgboost.py's output for it: model.json (XGBoost's JSON), metadata.json
  train.csv        the training rows (the named features, empty = missing, and label_bench_fasttree): the .NET side
                   trains the FastTree model of the same suite ("FT-300") on exactly these rows
  rows.bin         N distinct rows for timing (default 1,048,576), little-endian float32, row-major [N, F], NaN =
                   missing; another seed than the training rows. The XGBoost model takes them as they are (no scaler)
  expected.bin     xgboost's predict_proba(...)[:, 1] of the first --verify-rows rows of rows.bin, float32: what ONNX
                   Runtime and the compiled engine are checked against
  info.json        parameters, versions, sizes, tree statistics, held-out AUC

Nothing is timed here; tools/bench/time_xgboost.py times xgboost on rows.bin.
"""

from __future__ import annotations

import os

# Passive OpenMP waiting: training must not spin on a machine that is building .NET beside it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

FEATURES = [
    "lexical_diversity", "mean_sentence_length", "vocabulary_richness", "syntactic_complexity",
    "spelling_error_rate", "discourse_marker_rate", "question_rate", "hedge_word_rate",
    "readability_grade", "pronoun_we_ratio", "messages_sent", "replies_to_peers",
    "avg_response_time_s", "session_count", "active_days", "late_submissions",
    "forum_posts", "help_requests", "peer_review_score", "task_completion_rate",
    # Beyond the first 20 (XGB-300x6's): the deep model's 24.
    "peer_feedback_given", "resubmission_rate", "video_watch_ratio", "quiz_attempts",
]
LABEL = "label_bench_fasttree"


def params(trees: int, depth: int) -> dict:
    return dict(
        n_estimators=trees, max_depth=depth, learning_rate=0.1, tree_method="hist", objective="binary:logistic",
        subsample=0.9, colsample_bytree=0.9, min_child_weight=1.0, n_jobs=2, random_state=2026,
    )
TRAIN_ROWS = 60_000
HELD_OUT_ROWS = 10_000


def features(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Mixed distributions, like real features: normals, rates in [0, 1], counts (many ties), skewed times, uniforms."""
    cols = []
    for j in range(width):
        kind = j % 5
        if kind == 0:
            c = rng.normal(loc=0.5 * j, scale=1.0 + 0.1 * j, size=n)
        elif kind == 1:
            c = rng.beta(2.0, 5.0, size=n)
        elif kind == 2:
            c = rng.poisson(3.0 + j, size=n).astype(np.float64)
        elif kind == 3:
            c = rng.lognormal(mean=1.0, sigma=0.8, size=n)
        else:
            c = rng.uniform(-2.0, 2.0, size=n)
        cols.append(c)
    return np.column_stack(cols)


def labels(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    """Noisy nonlinear labels from the complete features (interactions, thresholds, a sine), so trees are deep."""
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    logit = (
        1.5 * np.sin(2.0 * Z[:, 0]) + Z[:, 1] * Z[:, 2] + 1.2 * (Z[:, 3] > 0.3) - 0.6 * Z[:, 4] ** 2
        + 0.5 * Z[:, 5] + 0.4 * Z[:, 6] * Z[:, 7] + 0.8 * np.cos(3.0 * Z[:, 8]) * Z[:, 9] + 0.3
    )
    for j in range(10, X.shape[1]):
        logit = logit + (0.25 if j % 2 else -0.2) * Z[:, j]
    p = 1.0 / (1.0 + np.exp(-logit))
    return (rng.random(X.shape[0]) < p).astype(np.int64)


def with_missing(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    """About 6% missing overall: 4% at random everywhere, and more (12%) in four behavioral features."""
    X = X.copy()
    mask = rng.random(X.shape) < 0.04
    for j in (12, 15, 16, 17):
        mask[:, j] |= rng.random(X.shape[0]) < 0.08
    X[mask] = np.nan
    return X


def tree_stats(model_json: Path, max_depth: int) -> dict:
    doc = json.loads(model_json.read_text(encoding="utf-8"))
    trees = doc["learner"]["gradient_booster"]["model"]["trees"]
    depths, nodes = [], []
    for t in trees:
        left, right = t["left_children"], t["right_children"]
        depth = {0: 0}
        for i in range(len(left)):
            if left[i] != -1:
                depth[left[i]] = depth[i] + 1
                depth[right[i]] = depth[i] + 1
        depths.append(max(depth.values()))
        nodes.append(len(left))
    return {
        "trees": len(trees), "max_depth": max(depths), "mean_depth": float(np.mean(depths)),
        "trees_at_max_depth": int(sum(d == max_depth for d in depths)), "nodes": int(sum(nodes)),
        "mean_leaves": float(np.mean([(n + 1) / 2 for n in nodes])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--bench-rows", type=int, default=1 << 20)
    parser.add_argument("--verify-rows", type=int, default=1 << 16)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--features", type=int, default=20, help=f"at most {len(FEATURES)}")
    parser.add_argument("--name", default="XGB-300x6")
    args = parser.parse_args()
    if not 10 <= args.features <= len(FEATURES):
        raise SystemExit(f"error: --features must be between 10 and {len(FEATURES)}")
    names = FEATURES[:args.features]
    model_params = params(args.trees, args.depth)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    rng = np.random.default_rng(2026)
    X_all = features(rng, TRAIN_ROWS + HELD_OUT_ROWS, len(names))
    y_all = labels(rng, X_all)
    X_all = with_missing(rng, X_all)
    X, y = X_all[:TRAIN_ROWS], y_all[:TRAIN_ROWS]
    X_test, y_test = X_all[TRAIN_ROWS:], y_all[TRAIN_ROWS:]

    model = xgb.XGBClassifier(**model_params)
    t0 = time.time()
    model.fit(X.astype(np.float32), y)
    train_seconds = time.time() - t0
    auc = float(roc_auc_score(y_test, model.predict_proba(X_test.astype(np.float32))[:, 1]))
    with open(out / "model.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)

    export = out / "export"
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[1] / "export_xgboost.py"), "--model", str(out / "model.pkl"),
         "--feature-names", ",".join(names), "--out", str(export), "--force"],
        check=True)

    # The training rows for the .NET FastTree model: %.17g round-trips a double, empty = missing.
    with open(out / "train.csv", "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(["student_id"] + names + [LABEL]) + "\n")
        for i, (row, label) in enumerate(zip(X, y)):
            cells = ["" if np.isnan(v) else "%.17g" % v for v in row]
            f.write(",".join([f"s{i}"] + cells + [str(int(label))]) + "\n")

    # Timing rows: another seed, the same distributions and missingness; all distinct.
    bench_rng = np.random.default_rng(7_2026)
    rows = with_missing(bench_rng, features(bench_rng, args.bench_rows, len(names))).astype("<f4")
    distinct = len(np.unique(np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1] * 4))).ravel()))
    if distinct != len(rows):
        raise SystemExit(f"error: only {distinct} of {len(rows)} timing rows are distinct")
    rows.tofile(out / "rows.bin")
    verify = min(args.verify_rows, len(rows))
    expected = model.predict_proba(rows[:verify])[:, 1].astype("<f4")
    expected.tofile(out / "expected.bin")

    info = {
        "name": args.name, "params": model_params, "features": names, "train_rows": TRAIN_ROWS, "held_out_auc": auc,
        "train_seconds": train_seconds, "missing_share_train": float(np.isnan(X).mean()),
        "bench_rows": int(len(rows)), "distinct_bench_rows": int(distinct), "verify_rows": int(verify),
        "missing_share_bench": float(np.isnan(rows).mean()),
        "versions": {"python": sys.version.split()[0], "xgboost": xgb.__version__, "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
        "trees": tree_stats(export / "model.json", args.depth),
        "seconds": time.time() - started,
    }
    (out / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"{args.name}: {info['trees']['trees']} trees, max depth {info['trees']['max_depth']} "
          f"({info['trees']['trees_at_max_depth']} at depth {args.depth}), held-out AUC {auc:.3f}; "
          f"{len(rows):,} distinct timing rows; {info['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
