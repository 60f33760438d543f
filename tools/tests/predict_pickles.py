#!/usr/bin/python3
"""xgboost's own predictions for the notebook's pickles: the expected values of the end-to-end tests.

    /usr/bin/python3 tools/tests/predict_pickles.py MODELS_DIR OUT_DIR

For every <skill>.metadata.json in MODELS_DIR (notebooks/train_skills.ipynb's output) it loads <skill>.model.pkl and
<skill>.scaler.pkl, reads the held-out rows <skill>.heldout.csv, fills in missing values as the notebook trained
(the metadata's "imputation": a value, or null for native NaN), and writes into OUT_DIR:

  <skill>.expected.csv     one line "proba" then predict_proba(scaler.transform(rows))[:, 1] per row, %.9g (exact float32)
  <skill>.importance.json  [float(v) for v in classifier.feature_importances_], in the model's input order
"""
import json
import os
import pickle
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np
import pandas as pd


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    models, out = Path(argv[1]), Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for meta_path in sorted(models.glob("*.metadata.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        skill, names = meta["skill"], meta["feature_names"]
        with open(models / f"{skill}.model.pkl", "rb") as f:
            clf = pickle.load(f)
        with open(models / f"{skill}.scaler.pkl", "rb") as f:
            scaler = pickle.load(f)
        rows = pd.read_csv(models / f"{skill}.heldout.csv", dtype={"student_id": str})[names]
        for name, value in meta["imputation"].items():
            if value is not None:
                rows[name] = rows[name].fillna(value)
        proba = clf.predict_proba(scaler.transform(rows.to_numpy(dtype=np.float64)))[:, 1]
        assert proba.dtype == np.float32, proba.dtype
        with open(out / f"{skill}.expected.csv", "w", encoding="utf-8") as f:
            f.write("proba\n")
            f.writelines(f"{p:.9g}\n" for p in proba)
        (out / f"{skill}.importance.json").write_text(json.dumps([float(v) for v in clf.feature_importances_]) + "\n", encoding="utf-8")
        count += 1
    print(f"predicted the held-out rows of {count} skills into {out}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
