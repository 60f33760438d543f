#!/usr/bin/python3
"""The Python side of the suite's `skillinf predict` comparison: the same job on the same CSV, as a data scientist
would write it with pandas and xgboost.

    /usr/bin/python3 tools/bench/predict_pandas.py --model model.json --manifest manifest.json --input in.csv \\
        --output out.csv [--nthread 2]

pandas `read_csv` (C engine) -> xgboost `predict_proba(...)[:, 1]` (nthread = cores) -> `to_csv` with the columns
`skillinf predict` writes: row (1-based), student_id, skill, score, confidence, model_version, imputed_features (the
missing features' names joined by ';'). Confidence as docs/models.md defines it: |2p - 1| x (1 - the share of the
model's gain importance on missing features), with the importance and version from the bundle's manifest.json.
Vectorized throughout: the imputed-feature names are built once per distinct missing pattern, not once per row.
The whole process is what the suite times (interpreter start and imports included, as for `dotnet skillinf.dll`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, type=Path, help="XGBoost's JSON model")
    parser.add_argument("--manifest", required=True, type=Path, help="the bundle's manifest.json (features, importance, version)")
    parser.add_argument("--input", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--nthread", type=int, default=2)
    args = parser.parse_args()

    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    names = [f["name"] for f in manifest["features"]]
    gain = {i["feature"]: i["gain"] for i in manifest.get("importance", [])}
    importance = np.array([gain.get(n, 0.0) for n in names])

    frame = pd.read_csv(args.input, dtype={"student_id": str})
    X = frame[names].to_numpy(dtype=np.float32)

    model = xgb.XGBClassifier(n_jobs=args.nthread)
    model.load_model(str(args.model))
    score = model.predict_proba(X)[:, 1].astype(np.float64)

    missing = np.isnan(X)
    confidence = np.clip(np.abs(2 * score - 1) * (1 - np.clip(missing @ importance, 0, 1)), 0, 1)

    # The names of each row's missing features: one string per distinct missing pattern (a bit mask per row).
    bits = missing.astype(np.uint64) @ (np.uint64(1) << np.arange(len(names), dtype=np.uint64))
    patterns, inverse = np.unique(bits, return_inverse=True)
    texts = np.array([";".join(n for j, n in enumerate(names) if int(p) >> j & 1) for p in patterns], dtype=object)

    out = pd.DataFrame({
        "row": np.arange(1, len(frame) + 1),
        "student_id": frame["student_id"],
        "skill": manifest["skill"],
        "score": score,
        "confidence": confidence,
        "model_version": manifest["version"],
        "imputed_features": texts[inverse],
    })
    out.to_csv(args.output, index=False)
    print(f"scored {len(out):,} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
