#!/usr/bin/python3
"""Self-check of tools/export_xgboost.py against the fixtures of make_xgboost_fixtures.py.

    /usr/bin/python3 tools/tests/make_xgboost_fixtures.py OUTDIR
    /usr/bin/python3 tools/tests/check_export.py OUTDIR

For every configuration it runs the export tool into OUTDIR/<name>/export/ and checks:
  - exit code 0, model.json + metadata.json (+ scaler.json exactly when there is a scaler),
    metadata feature names / counts / best_iteration / source checksum;
  - model.json loaded back with xgboost, rows.csv scaled as the C# side does it
    (float64 (x - mean) / scale, then float32): predictions equal expected.csv's proba bit for bit,
    and TreeSHAP contributions equal its contribution columns bit for bit;
  - an independent numpy evaluator of model.json (strict `<` in float32, NaN -> default_left,
    float32 sums from logit(base_score), dart tree weights, float32 sigmoid with libm expf)
    gives the same proba bit for bit: it documents the semantics the C# evaluator implements.
For every refusal: exit code 2, "error: " plus the expected substring on stderr, no out dir.
Plus a few command-line checks (--help, --metrics, a non-empty --out, --force).
Exit code 0 when everything passed, 1 otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see make_xgboost_fixtures.py

import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import xgboost as xgb  # noqa: E402

TOOL = Path(__file__).resolve().parents[1] / "export_xgboost.py"
REFUSE_DIR = "_refuse"

_libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_expf = _libm.expf
_expf.restype, _expf.argtypes = ctypes.c_float, [ctypes.c_float]
_logf = _libm.logf
_logf.restype, _logf.argtypes = ctypes.c_float, [ctypes.c_float]
F32 = np.float32


class CheckFailed(Exception):
    pass


def require(cond: bool, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------

def read_rows_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        rows = [[float(c) if c != "" else np.nan for c in line.rstrip("\n").split(",")] for line in f]
    X = np.array(rows, dtype=np.float64)
    require(X.shape[1] == len(header), f"{path}: {X.shape[1]} columns but {len(header)} names")
    return header, X


def read_expected_csv(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        rows = [[F32(c) for c in line.rstrip("\n").split(",")] for line in f]
    A = np.array(rows, dtype=np.float32)
    require(header[0] == "proba" and header[-1] == "bias", f"{path}: header must be proba,...,bias")
    return header, A[:, 0], A[:, 1:]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_export(fixture: Path, args: dict, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(TOOL), "--model", str(fixture / args["model"]), "--out", str(out)]
    if args.get("scaler"):
        cmd += ["--scaler", str(fixture / args["scaler"])]
    if args.get("feature_names"):
        cmd += ["--feature-names", args["feature_names"]]
    cmd += list(extra)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def leftover_temp_dirs(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".export-" in p.name]


# --------------------------------------------------------------------------------------
# an independent evaluator of XGBoost JSON (the semantics the C# side implements)
# --------------------------------------------------------------------------------------

class JsonEnsemble:
    def __init__(self, doc: dict):
        learner = doc["learner"]
        raw = str(learner["learner_model_param"]["base_score"]).strip("[]")
        self.base_score = F32(float(raw))
        self.objective = learner["objective"]["name"]
        gb = learner["gradient_booster"]
        self.kind = gb["name"]
        model = gb["gbtree"]["model"] if self.kind == "dart" else gb["model"]
        self.weights = np.array(gb.get("weight_drop", []), dtype=np.float32) if self.kind == "dart" else None
        self.trees = []
        for t in model["trees"]:
            self.trees.append((
                np.array(t["left_children"], dtype=np.int64),
                np.array(t["right_children"], dtype=np.int64),
                np.array(t["split_indices"], dtype=np.int64),
                np.array(t["split_conditions"], dtype=np.float32),
                np.array(t["default_left"], dtype=bool),
            ))

    def base_margin(self) -> np.float32:
        # binary:logistic ProbToMargin: -logf(1.0f / base_score - 1.0f), all in float32
        return F32(-_logf(float(F32(1.0) / self.base_score - F32(1.0))))

    @staticmethod
    def leaf_values(tree, X32: np.ndarray, strict: bool = True) -> np.ndarray:
        left, right, feat, cond, default_left = tree
        n = X32.shape[0]
        node = np.zeros(n, dtype=np.int64)
        rows = np.arange(n)
        while True:
            internal = left[node] != -1
            if not internal.any():
                break
            v = X32[rows, feat[node]]
            below = v < cond[node] if strict else v <= cond[node]  # XGBoost: strict <, in float32
            go_left = np.where(np.isnan(v), default_left[node], below)
            node = np.where(internal, np.where(go_left, left[node], right[node]), node)
        return cond[node]  # a leaf's value is its split_condition

    def margin(self, X32: np.ndarray, n_trees: int, dart_mode: str = "inplace", strict: bool = True) -> np.ndarray:
        m0 = self.base_margin()
        m = np.full(X32.shape[0], m0, dtype=np.float32)
        for i, tree in enumerate(self.trees[:n_trees]):
            leaf = self.leaf_values(tree, X32, strict)
            if self.kind != "dart":
                m = m + leaf
            elif dart_mode == "inplace":
                # predict_proba/inplace_predict: each tree is predicted on its own *with* the base
                # margin, which is then subtracted before weighting: ((m0 + leaf) - m0) * w
                m = m + ((m0 + leaf) - m0) * self.weights[i]
            else:
                # booster.predict(DMatrix): leaf * w
                m = m + leaf * self.weights[i]
            assert m.dtype == np.float32
        return m

    @staticmethod
    def sigmoid(m: np.ndarray) -> np.ndarray:
        return np.array([F32(1.0) / (F32(1.0) + F32(_expf(-float(x)))) for x in m], dtype=np.float32)


def threshold_hits(ens: JsonEnsemble, X32: np.ndarray) -> int:
    per_feature: dict[int, set] = {}
    for left, _, feat, cond, _ in ens.trees:
        for l, f, c in zip(left, feat, cond):
            if l != -1:
                per_feature.setdefault(int(f), set()).add(float(c))
    hits = 0
    for f, values in per_feature.items():
        hits += int(np.isin(X32[:, f].astype(np.float64), np.array(sorted(values))).sum())
    return hits


# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------

def expected_importance(model_pickle: Path, n_features: int) -> list[float]:
    """xgboost's own feature_importances_ of the pickled classifier (of a Pipeline's last step); a raw Booster has
    none, so its gain scores normalized as XGBClassifier.feature_importances_ normalizes them."""
    with open(model_pickle, "rb") as f:
        obj = pickle.load(f)
    model = obj.steps[-1][1] if hasattr(obj, "steps") else obj
    if isinstance(model, xgb.XGBClassifier):
        return [float(v) for v in model.feature_importances_]
    score = model.get_score(importance_type="gain")
    names = model.feature_names or [f"f{i}" for i in range(n_features)]
    values = np.array([score.get(n, 0.0) for n in names], dtype=np.float32)
    return [float(v) for v in values / values.sum()]


def check_config(outdir: Path, name: str) -> str:
    d = outdir / name
    args = json.loads((d / "export_args.json").read_text())
    info = json.loads((d / "info.json").read_text())
    out = d / "export"
    shutil.rmtree(out, ignore_errors=True)
    r = run_export(d, args, out)
    require(r.returncode == 0, f"export exited {r.returncode}: {r.stderr.strip()}")
    require(r.stdout.startswith("exported "), f"unexpected stdout: {r.stdout!r}")
    require(not leftover_temp_dirs(d), f"temporary directories left: {leftover_temp_dirs(d)}")

    files = sorted(p.name for p in out.iterdir())
    want = sorted(["model.json", "metadata.json"] + (["scaler.json"] if info["has_scaler"] else []))
    require(files == want, f"export wrote {files}, expected {want}")

    meta = json.loads((out / "metadata.json").read_text())
    names = info["names"]
    require(meta["feature_names"] == names, f"metadata feature_names {meta['feature_names']} != {names}")
    require(meta["n_features"] == info["n_features"], "metadata n_features")
    require(meta["n_trees"] == info["n_trees"], f"metadata n_trees {meta['n_trees']} != {info['n_trees']}")
    require(meta["best_iteration"] == info["best_iteration"], "metadata best_iteration")
    require(meta["has_scaler"] == info["has_scaler"], "metadata has_scaler")
    require(meta["objective"] == "binary:logistic" and meta["booster"] == info["booster"], "metadata objective/booster")
    require(meta["base_score"] == info["base_score"], f"metadata base_score {meta['base_score']} != {info['base_score']}")
    require(meta["source"]["model"] == args["model"], "metadata source.model")
    require(meta["source"]["model_sha256"] == sha256(d / args["model"]), "metadata source.model_sha256")
    require(meta["source"]["scaler"] == args["scaler"], "metadata source.scaler")
    require(meta["xgboost_version"] == xgb.__version__, "metadata xgboost_version")
    for key in ("sklearn_version", "exported_at", "metrics"):
        require(key in meta, f"metadata lacks {key}")
    require(meta["importance"] == expected_importance(d / args["model"], info["n_features"]),
            "metadata importance is not the pickle's feature_importances_")
    require(meta["importance_type"] == "gain", f"metadata importance_type {meta['importance_type']!r}")

    doc = json.loads((out / "model.json").read_text())
    json_names = doc["learner"].get("feature_names") or None
    require(json_names == names, f"model.json feature_names {json_names} != {names}")
    require(bool(json_names) == args["names_in_model"], "names_in_model disagrees with model.json")

    header, X = read_rows_csv(d / "rows.csv")
    exp_header, exp_proba, exp_contribs = read_expected_csv(d / "expected.csv")
    require(header == (names or [f"f{i}" for i in range(info["n_features"])]), "rows.csv header")
    require(exp_header[1:-1] == header, "expected.csv header")

    if info["has_scaler"]:
        sc = json.loads((out / "scaler.json").read_text())
        require(sc["kind"] == "standard" and sc["n_features"] == info["n_features"], "scaler.json kind/n_features")
        mean = np.array(sc["mean"], dtype=np.float64)
        scale = np.array(sc["scale"], dtype=np.float64)
        X32 = ((X - mean) / scale).astype(np.float32)  # double math, then float32
    else:
        X32 = X.astype(np.float32)

    booster = xgb.Booster(model_file=str(out / "model.json"))
    booster.set_param({"nthread": 2})
    best = meta["best_iteration"]
    iteration_range = (0, best + 1) if best is not None else (0, 0)
    n_used = meta["trees_used"]

    proba = booster.inplace_predict(X32, iteration_range=iteration_range, missing=np.nan)
    bad = int(np.sum(proba != exp_proba))
    require(bad == 0, f"{bad} of {len(proba)} probabilities differ (max |diff| {np.max(np.abs(proba - exp_proba)):.3g})")

    dm = xgb.DMatrix(X32, missing=np.nan, feature_names=json_names)
    contribs = booster.predict(dm, pred_contribs=True, iteration_range=iteration_range)
    bad_c = int(np.sum(contribs != exp_contribs))
    require(bad_c == 0, f"{bad_c} contributions differ (max |diff| {np.max(np.abs(contribs - exp_contribs)):.3g})")
    via_dmatrix = booster.predict(dm, iteration_range=iteration_range)
    dm_diff = int(np.sum(via_dmatrix != exp_proba))

    ens = JsonEnsemble(doc)
    ref = ens.sigmoid(ens.margin(X32, n_used, "inplace"))
    bad_ref = int(np.sum(ref != exp_proba))
    require(bad_ref == 0, f"reference evaluator: {bad_ref} probabilities differ "
                          f"(max |diff| {np.max(np.abs(ref - exp_proba)):.3g})")
    notes = []
    if ens.kind == "dart":
        ref_dm = ens.sigmoid(ens.margin(X32, n_used, "dmatrix"))
        require(np.array_equal(ref_dm, via_dmatrix), "reference evaluator (dart, DMatrix mode) differs from booster.predict")
        notes.append(f"DMatrix predict differs from predict_proba in {dm_diff} rows (dart summation; both reproduced)")
    else:
        require(dm_diff == 0, f"booster.predict(DMatrix) differs from predict_proba in {dm_diff} rows")
    if n_used < len(ens.trees):
        full = booster.inplace_predict(X32, missing=np.nan)
        changed = int(np.sum(full != exp_proba))
        require(changed > 0, "using all trees gives the same predictions: best_iteration is not exercised")
        notes.append(f"{n_used} of {len(ens.trees)} trees used; all trees would change {changed} rows")
    hits = threshold_hits(ens, X32)
    with_le = ens.sigmoid(ens.margin(X32, n_used, "inplace", strict=False))
    le_rows = int(np.sum(with_le != exp_proba))
    require(le_rows > 0, "the rows do not tell `<` from `<=`")
    notes.append(f"`<=` instead of `<` would change {le_rows} rows")
    contrib_sum_err = float(np.max(np.abs(contribs.astype(np.float64).sum(axis=1) - ens.margin(X32, n_used).astype(np.float64))))
    return (f"{meta['n_trees']} trees ({meta['booster']}), {X.shape[0]} rows: proba, contributions and reference "
            f"evaluator bit-exact; {hits} values on split thresholds; |sum(contribs) - margin| <= {contrib_sum_err:.1e}"
            + ("; " + "; ".join(notes) if notes else ""))


def check_refusal(outdir: Path, name: str, expected: str) -> str:
    d = outdir / REFUSE_DIR / name
    args = json.loads((d / "export_args.json").read_text())
    out = d / "export"
    shutil.rmtree(out, ignore_errors=True)
    r = run_export(d, args, out)
    err = r.stderr.strip()
    require(r.returncode == 2, f"exit code {r.returncode} (want 2); stderr: {err}")
    require(err.startswith("error: "), f"stderr does not start with 'error: ': {err!r}")
    require(expected in err, f"stderr lacks {expected!r}: {err!r}")
    require(not out.exists(), "the out dir was created")
    require(not leftover_temp_dirs(d), f"temporary directories left: {leftover_temp_dirs(d)}")
    require(r.stdout == "", f"stdout not empty: {r.stdout!r}")
    return err.splitlines()[-1]


def check_cli(outdir: Path, name: str) -> list[str]:
    d = outdir / name
    args = json.loads((d / "export_args.json").read_text())
    results = []
    r = subprocess.run([sys.executable, str(TOOL), "--help"], capture_output=True, text=True)
    require(r.returncode == 0 and "--feature-names" in r.stdout and "binary:logistic" in r.stdout, "--help")
    results.append("--help documents the options")

    out = d / "export_cli"
    shutil.rmtree(out, ignore_errors=True)
    metrics = d / "metrics_cli.json"
    metrics.write_text(json.dumps({"auc": 0.8125, "accuracy": 0.75, "n_test": 3000}))
    try:
        r = run_export(d, args, out, "--metrics", str(metrics))
        require(r.returncode == 0, f"--metrics export failed: {r.stderr}")
        meta = json.loads((out / "metadata.json").read_text())
        require(meta["metrics"] == {"auc": 0.8125, "accuracy": 0.75, "n_test": 3000}, "metrics not copied")
        results.append("--metrics copied into metadata.json")

        before = (out / "metadata.json").read_bytes()
        r = run_export(d, args, out)
        require(r.returncode == 2 and "not empty" in r.stderr, f"non-empty --out: {r.returncode} {r.stderr}")
        require((out / "metadata.json").read_bytes() == before, "a refused export changed the out dir")
        results.append("non-empty --out refused without --force")

        (out / "keep.txt").write_text("operator notes\n")
        r = run_export(d, args, out, "--force")
        require(r.returncode == 0, f"--force failed: {r.stderr}")
        meta = json.loads((out / "metadata.json").read_text())
        require(meta["metrics"] == {}, "--force did not replace metadata.json")
        require((out / "keep.txt").exists(), "--force removed an unrelated file")
        results.append("--force replaces the exported files and keeps others")

        bad_metrics = d / "metrics_bad.json"
        bad_metrics.write_text("[1, 2]")
        out2 = d / "export_cli2"
        shutil.rmtree(out2, ignore_errors=True)
        r = run_export(d, args, out2, "--metrics", str(bad_metrics))
        require(r.returncode == 2 and "JSON object" in r.stderr and not out2.exists(), "--metrics with a list")
        bad_metrics.unlink()
        nested = d / "nested" / "deeper" / "export"
        shutil.rmtree(d / "nested", ignore_errors=True)
        r = run_export(d / "no-such-dir", {"model": "model.pkl"}, nested)
        require(r.returncode == 2 and "does not exist" in r.stderr and not (d / "nested").exists(),
                "a missing model created parent directories")
        results.append("bad --metrics and a missing model are refused without writing")
    finally:
        metrics.unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    outdir = Path(argv[1])
    manifest = json.loads((outdir / "manifest.json").read_text())
    started = time.perf_counter()
    failures = 0
    print(f"export tool: {TOOL}  (xgboost {xgb.__version__}, python {sys.version.split()[0]})")
    for cfg in manifest["configs"]:
        try:
            print(f"ok    {cfg['name']}: {check_config(outdir, cfg['name'])}")
        except CheckFailed as e:
            failures += 1
            print(f"FAIL  {cfg['name']}: {e}")
    for ref in manifest["refusals"]:
        try:
            msg = check_refusal(outdir, ref["name"], ref["expected_error"])
            print(f"ok    {REFUSE_DIR}/{ref['name']}: exit 2, {msg}")
        except CheckFailed as e:
            failures += 1
            print(f"FAIL  {REFUSE_DIR}/{ref['name']}: {e}")
    cat = manifest.get("notes", {}).get("categorical", {})
    if not cat.get("possible", False):
        print(f"note  categorical refusal not generated: {cat.get('reason')}")
    try:
        for line in check_cli(outdir, manifest["configs"][0]["name"]):
            print(f"ok    cli: {line}")
    except CheckFailed as e:
        failures += 1
        print(f"FAIL  cli: {e}")
    total = len(manifest["configs"]) + len(manifest["refusals"]) + 1
    print(f"check_export: {total - failures} passed, {failures} failed "
          f"({len(manifest['configs'])} configurations, {len(manifest['refusals'])} refusals, cli) "
          f"in {time.perf_counter() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
