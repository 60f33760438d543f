#!/usr/bin/python3
"""Time Python XGBoost on the benchmark suite's model and rows (the baseline of SkillInference.Benchmarks).

    /usr/bin/python3 tools/bench/time_xgboost.py --model model.json --rows rows.bin --out python.json \\
        [--sizes 1000,100000,1000000] [--repeats 5] [--threads 1,2] [--single 2000]

rows.bin is what the .NET benchmarks read: little-endian float32, row-major [N, 20], NaN = missing, all rows
distinct. A batch of n rows is the first n rows. For each batch size and thread count (xgboost's nthread), the
batch is scored once to warm up, then --repeats times; the median wall time gives rows/s. Single rows are scored one
call at a time, each call on another row (--single distinct rows), timed per call with perf_counter_ns.

Two APIs are timed: the scikit-learn wrapper's predict_proba (what a data scientist calls; it builds a DMatrix per
call) and Booster.inplace_predict (no DMatrix: xgboost's fastest path from numpy). Both return the probability of
the positive class for binary:logistic. Results are checked against expected.bin beside rows.bin when present.
OMP_WAIT_POLICY is left as the environment sets it (libgomp's default spins briefly, best for repeated calls).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import xgboost as xgb


def load_rows(path: Path, n_features: int) -> np.ndarray:
    rows = np.fromfile(path, dtype="<f4")
    if rows.size % n_features:
        raise SystemExit(f"error: {path} does not hold rows of {n_features} float32 values")
    return rows.reshape(-1, n_features)


def models(model_path: Path, threads: int):
    clf = xgb.XGBClassifier(n_jobs=threads)
    clf.load_model(str(model_path))
    booster = clf.get_booster()
    booster.set_param({"nthread": threads})
    return clf, booster


def time_batch(fn, X: np.ndarray, repeats: int) -> dict:
    fn(X)  # warm-up (allocations, OpenMP team)
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(X)
        seconds.append(time.perf_counter() - t0)
    median = statistics.median(seconds)
    return {"rows": len(X), "repeats": repeats, "median_s": median, "min_s": min(seconds), "max_s": max(seconds),
            "rows_per_s": len(X) / median}


def time_single(fn, X: np.ndarray, count: int) -> dict:
    for i in range(min(50, count)):
        fn(X[i:i + 1])
    ns = []
    for i in range(count):
        row = X[i:i + 1]
        t0 = time.perf_counter_ns()
        fn(row)
        ns.append(time.perf_counter_ns() - t0)
    ns.sort()
    return {"calls": count, "median_us": ns[len(ns) // 2] / 1e3, "mean_us": sum(ns) / len(ns) / 1e3,
            "p99_us": ns[int(len(ns) * 0.99)] / 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--rows", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--single", type=int, default=2000, help="distinct rows scored one call at a time")
    args = parser.parse_args()

    X = load_rows(args.rows, args.features)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    threads = [int(t) for t in args.threads.split(",") if t]
    if max(sizes) > len(X):
        raise SystemExit(f"error: {args.rows} has {len(X)} rows; a batch of {max(sizes)} was asked for")

    check = {}
    expected_path = args.rows.with_name("expected.bin")
    if expected_path.exists():
        expected = np.fromfile(expected_path, dtype="<f4")
        clf, booster = models(args.model, max(threads))
        k = min(len(expected), 16_384)
        proba = clf.predict_proba(X[:k])[:, 1]
        inplace = booster.inplace_predict(X[:k])
        check = {"rows": k, "predict_proba_max_abs_diff": float(np.max(np.abs(proba - expected[:k]))),
                 "inplace_predict_max_abs_diff": float(np.max(np.abs(inplace - expected[:k])))}
        if max(check["predict_proba_max_abs_diff"], check["inplace_predict_max_abs_diff"]) > 1e-6:
            raise SystemExit(f"error: xgboost's predictions differ from expected.bin: {check}")

    batch, single = [], []
    for t in threads:
        clf, booster = models(args.model, t)
        apis = {
            "predict_proba": lambda x: clf.predict_proba(x)[:, 1],
            "inplace_predict": lambda x: booster.inplace_predict(x),
        }
        for api, fn in apis.items():
            single.append({"api": api, "nthread": t, **time_single(fn, X, args.single)})
            print(f"python xgboost {api} nthread={t}: single row median {single[-1]['median_us']:.1f} us", flush=True)
            for n in sizes:
                repeats = args.repeats if n < 1_000_000 else max(3, args.repeats)
                batch.append({"api": api, "nthread": t, **time_batch(fn, X[:n], repeats)})
                print(f"python xgboost {api} nthread={t}: {n:,} rows {batch[-1]['rows_per_s']:,.0f} rows/s", flush=True)

    result = {
        "python": sys.version.split()[0], "xgboost": xgb.__version__, "numpy": np.__version__,
        "platform": platform.platform(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(libgomp default)"),
        "model": str(args.model), "rows_file": str(args.rows), "distinct_rows": len(X),
        "check": check, "single": single, "batch": batch,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
