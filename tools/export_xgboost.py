#!/usr/bin/python3
"""Export a pickled XGBoost binary classifier (and its StandardScaler) for SkillInference.

Run it with Debian's interpreter, which has python3-xgboost and python3-sklearn:

    /usr/bin/python3 tools/export_xgboost.py --model MODEL.pkl [--scaler SCALER.pkl] \\
        [--feature-names a,b,c] [--metrics METRICS.json] [--training-metadata META.json] --out DIR

It writes into DIR (created; it must not exist or be empty unless --force):

  model.json     the booster, saved with booster.save_model() in XGBoost's JSON format
                 (feature names are set on the booster first when they are known)
  scaler.json    only with a scaler: {"kind": "standard", "mean": [...], "scale": [...],
                 "n_features": N}, float64 values written exactly
  metadata.json  feature names, counts, versions, objective, booster kind, best_iteration,
                 tree count, base_score, export time, source files and their SHA-256,
                 metrics (the --metrics file's content) and has_scaler; the classifier's
                 feature_importances_; with --training-metadata (the notebook's
                 <skill>.metadata.json) also trained_at, training_data_sha256, metrics,
                 training statistics and reference histograms

Everything is checked before anything is written; on a refusal the tool prints one
line starting with "error: " on stderr, exits with code 2 and leaves DIR untouched.

Only unpickle files you trust: unpickling runs code chosen by whoever wrote the file.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import json
import math
import os
import pickle
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

EXIT_REFUSED = 2
SUPPORTED_OBJECTIVE = "binary:logistic"
SUPPORTED_BOOSTERS = ("gbtree", "dart")
OUTPUT_FILES = ("model.json", "scaler.json", "metadata.json")


class Refusal(Exception):
    """A reason not to export; printed as `error: <message>` with exit code 2."""


# --------------------------------------------------------------------------------------
# imports of the ML libraries (a missing library is a refusal with a useful hint)
# --------------------------------------------------------------------------------------

def _import_libraries():
    try:
        import numpy as np  # noqa: F401
        import sklearn  # noqa: F401
        import xgboost as xgb  # noqa: F401
        from sklearn.pipeline import Pipeline  # noqa: F401
        from sklearn.preprocessing import StandardScaler  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise Refusal(
            f"{e}. Run this tool with Debian's /usr/bin/python3 and install "
            "python3-xgboost and python3-sklearn (apt-get install -y python3-xgboost python3-sklearn)"
        ) from e


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _a_type(obj: Any) -> str:
    """'a dict', 'an xgboost.sklearn.XGBRegressor'."""
    name = _type_name(obj)
    return ("an " if name[:1].lower() in "aeiou" or name.startswith("xgboost") else "a ") + name


def _type_name(obj: Any) -> str:
    t = type(obj)
    module = t.__module__
    if module == "builtins":
        return t.__name__
    return f"{module}.{t.__qualname__}"


def _load_pickle(path: Path, what: str) -> tuple[Any, list[str]]:
    """Unpickle `path`; returns the object and the warnings raised while loading."""
    if not path.is_file():
        raise Refusal(f"{what} file {path} does not exist")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with open(path, "rb") as f:
                obj = pickle.load(f)
    except Exception as e:  # any failure to unpickle is an unreadable pickle
        raise Refusal(f"cannot read {what} pickle {path}: {type(e).__name__}: {e}") from e
    return obj, [str(w.message) for w in caught]


def _parse_float(text: Any) -> float:
    """XGBoost writes base_score as a string such as "5E-1" (newer versions: "[5E-1]")."""
    s = str(text).strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1].split(",")[0].strip()
    return float(s)


# --------------------------------------------------------------------------------------
# model inspection
# --------------------------------------------------------------------------------------

def _describe_pipeline_steps(pipeline) -> str:
    return "[" + ", ".join(f"{name}: {type(step).__name__}" for name, step in pipeline.steps) + "]"


def _unwrap_model(obj: Any, model_path: Path):
    """Returns (booster, scaler_or_None, classifier_or_None, kind) for a supported pickle."""
    import xgboost as xgb
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if isinstance(obj, Pipeline):
        steps = [s for _, s in obj.steps]
        if (
            len(steps) != 2
            or not isinstance(steps[0], StandardScaler)
            or not isinstance(steps[1], xgb.XGBModel)
        ):
            raise Refusal(
                f"{model_path.name} holds a scikit-learn Pipeline with steps {_describe_pipeline_steps(obj)}; "
                "only Pipeline(StandardScaler, XGBClassifier) is supported"
            )
        booster, classifier = _classifier_booster(steps[1], model_path)
        return booster, steps[0], classifier, "pipeline"

    if isinstance(obj, xgb.XGBModel):
        booster, classifier = _classifier_booster(obj, model_path)
        return booster, None, classifier, "classifier"

    if isinstance(obj, xgb.Booster):
        return obj, None, None, "booster"

    raise Refusal(
        f"{model_path.name} holds {_a_type(obj)}, not a supported model: expected a pickled "
        "xgboost.XGBClassifier, xgboost.Booster or scikit-learn Pipeline(StandardScaler, XGBClassifier)"
    )


def _classifier_booster(model, model_path: Path):
    import xgboost as xgb

    if not isinstance(model, xgb.XGBClassifier):
        objective = getattr(model, "objective", None)
        raise Refusal(
            f"{model_path.name} holds {_a_type(model)} (objective {objective!r}); only a binary "
            f"classifier (xgboost.XGBClassifier with objective {SUPPORTED_OBJECTIVE}) is supported"
        )
    try:
        booster = model.get_booster()
    except Exception as e:
        raise Refusal(f"the XGBClassifier in {model_path.name} is not fitted ({e})") from e
    n_classes = getattr(model, "n_classes_", None)
    if n_classes is not None and int(n_classes) > 2:
        raise Refusal(
            f"multi-class model ({int(n_classes)} classes, objective {model.objective!r}); "
            f"only binary classifiers with objective {SUPPORTED_OBJECTIVE} are supported"
        )
    return booster, model


def _booster_config(booster) -> dict:
    return json.loads(booster.save_config())


def _check_booster_config(config: dict) -> tuple[str, str]:
    learner = config["learner"]
    objective = learner["objective"]["name"]
    booster_kind = learner["gradient_booster"]["name"]
    params = learner.get("learner_model_param", {})
    num_class = int(params.get("num_class", "0") or 0)
    num_target = int(params.get("num_target", "1") or 1)
    if objective.startswith("multi:") or num_class > 1:
        raise Refusal(
            f"multi-class model (objective {objective!r}, num_class {num_class}); "
            f"only binary classifiers with objective {SUPPORTED_OBJECTIVE} are supported"
        )
    if num_target > 1:
        raise Refusal(f"multi-target model ({num_target} targets); only single-output binary classifiers are supported")
    if booster_kind == "gblinear":
        raise Refusal("the gblinear booster (a linear model) is not supported; only tree boosters gbtree and dart are")
    if booster_kind not in SUPPORTED_BOOSTERS:
        raise Refusal(f"booster {booster_kind!r} is not supported; only gbtree and dart are")
    if objective != SUPPORTED_OBJECTIVE:
        raise Refusal(
            f"objective {objective!r} is not supported; only {SUPPORTED_OBJECTIVE} "
            "(a binary classifier whose output is a probability) is"
        )
    return objective, booster_kind


def _check_scaler(scaler: Any, where: str):
    from sklearn.preprocessing import StandardScaler

    if not isinstance(scaler, StandardScaler):
        raise Refusal(
            f"{where} holds {_a_type(scaler)}; only a scikit-learn StandardScaler is supported as the scaler"
        )
    if not hasattr(scaler, "n_features_in_") or not hasattr(scaler, "n_samples_seen_"):
        raise Refusal(f"the StandardScaler in {where} is not fitted")
    if scaler.with_mean and getattr(scaler, "mean_", None) is None:
        raise Refusal(f"the StandardScaler in {where} is not fitted (no mean_)")
    if scaler.with_std and getattr(scaler, "scale_", None) is None:
        raise Refusal(f"the StandardScaler in {where} is not fitted (no scale_)")


def _scaler_document(scaler) -> dict:
    import numpy as np

    n = int(scaler.n_features_in_)
    if scaler.with_mean:
        mean = [float(v) for v in np.asarray(scaler.mean_, dtype=np.float64).reshape(-1)]
    else:
        mean = [0.0] * n
    if scaler.with_std:
        scale = [float(v) for v in np.asarray(scaler.scale_, dtype=np.float64).reshape(-1)]
    else:
        scale = [1.0] * n
    if len(mean) != n or len(scale) != n:
        raise Refusal(f"the StandardScaler has {len(mean)} means and {len(scale)} scales for {n} features")
    for name, values in (("mean", mean), ("scale", scale)):
        bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
        if bad:
            raise Refusal(f"the StandardScaler's {name} is not finite for feature index(es) {bad[:10]}")
    zero = [i for i, v in enumerate(scale) if v == 0.0]
    if zero:
        raise Refusal(f"the StandardScaler's scale is 0 for feature index(es) {zero[:10]}")
    return {"kind": "standard", "mean": mean, "scale": scale, "n_features": n}


def _parse_feature_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if any(not n for n in names):
        raise Refusal(f"--feature-names has an empty name: {text!r}")
    return names


def _resolve_feature_names(cli_names, booster_names, scaler_names, training_names=None) -> list[str] | None:
    sources = [
        ("--feature-names", cli_names),
        ("the booster's feature_names", booster_names),
        ("the scaler's feature_names_in_", scaler_names),
        ("--training-metadata's feature_names", training_names),
    ]
    present = [(label, list(names)) for label, names in sources if names is not None]
    for label, names in present:
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise Refusal(f"{label} has duplicate feature names: {dupes}")
    if not present:
        return None
    first_label, first = present[0]
    for label, names in present[1:]:
        if names != first:
            raise Refusal(
                f"feature names disagree: {first_label} gives {len(first)} names {_short(first)} but "
                f"{label} gives {len(names)} names {_short(names)}"
            )
    return first


def _short(names: list[str]) -> str:
    if len(names) <= 6:
        return str(names)
    return str(names[:5])[:-1] + f", ... {names[-1]!r}]"


def _check_model_json(doc: dict) -> dict:
    """Checks the saved JSON for what the SkillInference evaluator cannot serve."""
    learner = doc["learner"]
    types = learner.get("feature_types") or []
    cat_features = [i for i, t in enumerate(types) if t == "c"]
    if cat_features:
        raise Refusal(
            f"categorical features are not supported (feature_types marks index(es) {cat_features[:10]} as 'c')"
        )
    gb = learner["gradient_booster"]
    model = gb["gbtree"]["model"] if gb["name"] == "dart" else gb["model"]
    trees = model["trees"]
    for i, tree in enumerate(trees):
        if any(int(s) != 0 for s in tree.get("split_type", [])):
            raise Refusal(f"categorical splits are not supported (tree {i} has a categorical split)")
        if tree.get("categories"):
            raise Refusal(f"categorical splits are not supported (tree {i} lists categories)")
        leaf_vec = int(tree.get("tree_param", {}).get("size_leaf_vector", "0") or 0)
        if leaf_vec > 1:
            raise Refusal(f"vector-leaf trees are not supported (tree {i})")
    if any(int(t) != 0 for t in model.get("tree_info", [])):
        raise Refusal("trees for more than one output group found; only binary classifiers are supported")
    return model


# --------------------------------------------------------------------------------------
# training metadata (the notebook's <skill>.metadata.json) and importance
# --------------------------------------------------------------------------------------

STATISTIC_KEYS = ("mean", "median", "std", "min", "max", "missing_rate")


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Refusal(f"--training-metadata: {where} must be a finite number, not {value!r}")
    return float(value)


def _histogram(doc: Any, where: str) -> dict:
    if not isinstance(doc, dict):
        raise Refusal(f"--training-metadata: {where} must be an object with edges, counts and missing")
    edges = [_finite(e, f"{where}.edges[{i}]") for i, e in enumerate(doc.get("edges") or [])]
    counts = doc.get("counts") or []
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise Refusal(f"--training-metadata: {where}.edges must be at least two ascending numbers")
    if len(counts) != len(edges) - 1 or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
        raise Refusal(f"--training-metadata: {where}.counts must be {len(edges) - 1} non-negative integers (one per bin)")
    missing = doc.get("missing", 0)
    if isinstance(missing, bool) or not isinstance(missing, int) or missing < 0:
        raise Refusal(f"--training-metadata: {where}.missing must be a non-negative integer")
    return {"edges": edges, "counts": list(counts), "missing": missing}


def _read_json_object(path: Path, option: str) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise Refusal(f"cannot read {option} {path}: {e}") from e
    if not isinstance(doc, dict):
        raise Refusal(f"{option} {path} must hold a JSON object, not a {type(doc).__name__}")
    return doc


def _read_training_metadata(path: Path) -> dict:
    """The parts of the notebook's metadata that go into the bundle, checked; names are checked against the model later."""
    doc = _read_json_object(path, "--training-metadata")
    out: dict = {}
    trained_at = doc.get("trained_at")
    if trained_at is not None:
        try:
            _dt.datetime.fromisoformat(str(trained_at).replace("Z", "+00:00"))
        except ValueError as e:
            raise Refusal(f"--training-metadata: trained_at {trained_at!r} is not an ISO-8601 time") from e
        out["trained_at"] = str(trained_at)
    digest = doc.get("training_data_sha256")
    if digest is not None:
        if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise Refusal("--training-metadata: training_data_sha256 must be 64 lower-case hex digits")
        out["training_data_sha256"] = digest
    if "metrics" in doc:
        if not isinstance(doc["metrics"], dict):
            raise Refusal("--training-metadata: metrics must be an object")
        out["metrics"] = doc["metrics"]
    names = doc.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise Refusal("--training-metadata: feature_names must be a list of names")
        out["feature_names"] = list(names)
    stats = doc.get("statistics")
    if stats is not None:
        if not isinstance(stats, list):
            raise Refusal("--training-metadata: statistics must be a list (one object per feature)")
        checked = []
        for i, st in enumerate(stats):
            if not isinstance(st, dict) or not isinstance(st.get("name"), str):
                raise Refusal(f"--training-metadata: statistics[{i}] must be an object with a name")
            checked.append({"name": st["name"], **{k: _finite(st.get(k), f"statistics[{i}].{k}") for k in STATISTIC_KEYS}})
        out["statistics"] = checked
    reference = doc.get("reference")
    if reference is not None:
        if not isinstance(reference, dict):
            raise Refusal("--training-metadata: reference must be an object with score and features")
        features = reference.get("features") or {}
        if not isinstance(features, dict):
            raise Refusal("--training-metadata: reference.features must be an object of histograms by feature name")
        out["reference"] = {
            "score": _histogram(reference["score"], "reference.score") if reference.get("score") is not None else None,
            "features": {name: _histogram(h, f"reference.features.{name}") for name, h in features.items()},
        }
    for key in ("hyperparameters", "label_rule", "training_data_file"):
        if key in doc:
            out[key] = doc[key]
    return out


def _check_training_names(training: dict, feature_names: list[str] | None) -> None:
    if not training:
        return
    if feature_names is None and (training.get("statistics") or training.get("reference", {}).get("features")):
        raise Refusal("--training-metadata has statistics or histograms by feature name but the model's features have no names")
    stat_names = [st["name"] for st in training.get("statistics", [])]
    if stat_names and stat_names != feature_names:
        raise Refusal(f"--training-metadata: statistics are for {_short(stat_names)}, not the model's features {_short(feature_names)} in order")
    extra = sorted(set(training.get("reference", {}).get("features", {})) - set(feature_names or []))
    if extra:
        raise Refusal(f"--training-metadata: reference histograms for features the model does not have: {extra[:10]}")


def _importance(booster, classifier, n_features: int) -> tuple[list[float], str]:
    """The classifier's feature_importances_ (XGBClassifier's default type: gain, the mean gain of a feature's splits,
    normalized to sum 1), in input order. A raw Booster: the same formula on its gain scores."""
    import numpy as np

    if classifier is not None:
        values = np.asarray(classifier.feature_importances_, dtype=np.float32).reshape(-1)
        kind = classifier.importance_type or "gain"
    else:
        score = booster.get_score(importance_type="gain")
        names = booster.feature_names or [f"f{i}" for i in range(n_features)]
        values = np.array([score.get(n, 0.0) for n in names], dtype=np.float32)
        total = values.sum()
        values = values / total if total > 0 else values
        kind = "gain"
    if values.size != n_features:
        raise Refusal(f"internal: {values.size} importances for {n_features} features")
    return [float(v) for v in values], kind


# --------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------

def export(args: argparse.Namespace) -> str:
    _import_libraries()
    import sklearn
    import xgboost as xgb

    model_path = Path(args.model)
    scaler_path = Path(args.scaler) if args.scaler else None
    out_dir = Path(args.out)

    # The output directory is checked first so that a refusal never costs an unpickle.
    if out_dir.exists():
        if not out_dir.is_dir():
            raise Refusal(f"--out {out_dir} exists and is not a directory")
        if any(out_dir.iterdir()) and not args.force:
            raise Refusal(f"--out {out_dir} exists and is not empty (pass --force to replace the exported files)")

    cli_names = _parse_feature_names(args.feature_names) if args.feature_names else None

    metrics: Any = {}
    if args.metrics:
        metrics = _read_json_object(Path(args.metrics), "--metrics")

    training = _read_training_metadata(Path(args.training_metadata)) if args.training_metadata else {}
    if not args.metrics and "metrics" in training:
        metrics = training["metrics"]

    obj, load_warnings = _load_pickle(model_path, "model")
    booster, scaler, classifier, kind = _unwrap_model(obj, model_path)
    if kind == "pipeline" and scaler_path is not None:
        raise Refusal(
            f"{model_path.name} is a Pipeline that already holds its StandardScaler; do not pass --scaler as well"
        )
    scaler_where = f"{model_path.name} (pipeline step)" if kind == "pipeline" else None
    if scaler_path is not None:
        scaler, w = _load_pickle(scaler_path, "scaler")
        load_warnings += w
        scaler_where = scaler_path.name
    if scaler is not None:
        _check_scaler(scaler, scaler_where)

    config = _booster_config(booster)
    objective, booster_kind = _check_booster_config(config)

    n_features = int(booster.num_features())
    booster_names = list(booster.feature_names) if booster.feature_names else None
    scaler_names = None
    if scaler is not None and getattr(scaler, "feature_names_in_", None) is not None:
        scaler_names = [str(n) for n in scaler.feature_names_in_]

    if scaler is not None and int(scaler.n_features_in_) != n_features:
        raise Refusal(
            f"feature count mismatch: the model has {n_features} features but the scaler "
            f"({scaler_where}) was fitted on {int(scaler.n_features_in_)}"
        )
    training_names = training.get("feature_names")
    for label, names in (("--feature-names", cli_names), ("the scaler's feature_names_in_", scaler_names), ("--training-metadata's feature_names", training_names)):
        if names is not None and len(names) != n_features:
            raise Refusal(f"feature count mismatch: {label} gives {len(names)} names but the model has {n_features} features")
    feature_names = _resolve_feature_names(cli_names, booster_names, scaler_names, training_names)
    _check_training_names(training, feature_names)
    importance, importance_type = _importance(booster, classifier, n_features)

    scaler_doc = _scaler_document(scaler) if scaler is not None else None

    missing_value = None
    if classifier is not None:
        missing = getattr(classifier, "missing", math.nan)
        if missing is not None and not (isinstance(missing, float) and math.isnan(missing)):
            missing_value = float(missing)

    if feature_names is not None and booster_names is None:
        booster = booster.copy()
        try:
            booster.feature_names = feature_names
        except (ValueError, TypeError) as e:
            raise Refusal(f"xgboost rejects the feature names: {e}") from e

    attrs = booster.attributes()
    best_iteration = int(attrs["best_iteration"]) if "best_iteration" in attrs else None
    early_stopped = "best_score" in attrs

    # Save, inspect and build everything in a temporary directory beside the target, then
    # move it into place: a refusal or a crash leaves --out as it was.
    parent = out_dir.resolve().parent
    created_parents = []
    p = parent
    while not p.exists():
        created_parents.append(p)
        p = p.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.export-", dir=parent))
    try:
        booster.save_model(str(tmp / "model.json"))
        with open(tmp / "model.json", "rb") as f:
            model_doc = json.load(f)
        tree_model = _check_model_json(model_doc)
        n_trees = len(tree_model["trees"])
        num_parallel_tree = int(tree_model.get("gbtree_model_param", {}).get("num_parallel_tree", "1") or 1)
        base_score = _parse_float(model_doc["learner"]["learner_model_param"]["base_score"])
        json_names = model_doc["learner"].get("feature_names") or None
        if feature_names is not None and json_names != feature_names:
            raise Refusal("internal: model.json does not carry the resolved feature names")
        if n_trees == 0:
            raise Refusal("the model has no trees")
        trees_used = n_trees if best_iteration is None else min(n_trees, (best_iteration + 1) * num_parallel_tree)

        metadata = {
            "feature_names": feature_names,
            "n_features": n_features,
            "xgboost_version": xgb.__version__,
            "sklearn_version": sklearn.__version__,
            "objective": objective,
            "booster": booster_kind,
            "best_iteration": best_iteration,
            "n_trees": n_trees,
            "base_score": base_score,
            "exported_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "source": {
                "model": model_path.name,
                "model_sha256": _sha256(model_path),
                "scaler": scaler_path.name if scaler_path else None,
                "scaler_sha256": _sha256(scaler_path) if scaler_path else None,
                "kind": kind,
            },
            "metrics": metrics,
            "has_scaler": scaler_doc is not None,
            # Extras that say how predict_proba used the trees:
            "num_parallel_tree": num_parallel_tree,
            "early_stopping": early_stopped,
            "trees_used": trees_used,
            "missing": missing_value,
            # What the bundle's importance holds: feature_importances_ of the pickled classifier, in input order.
            "importance": importance,
            "importance_type": importance_type,
        }
        if training:
            metadata.update({k: v for k, v in training.items() if k not in ("metrics", "feature_names")})
            metadata["source"]["training_metadata"] = Path(args.training_metadata).name
            metadata["source"]["training_metadata_sha256"] = _sha256(Path(args.training_metadata))
        if scaler_doc is not None:
            with open(tmp / "scaler.json", "w", encoding="utf-8") as f:
                json.dump(scaler_doc, f, indent=2, allow_nan=False)
                f.write("\n")
        with open(tmp / "metadata.json", "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2, allow_nan=False)
            f.write("\n")

        _move_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for p in created_parents:  # deepest first
            try:
                p.rmdir()
            except OSError:
                break
        raise

    for w in load_warnings:
        print(f"warning: while unpickling: {w}", file=sys.stderr)
    if missing_value is not None:
        print(
            f"warning: the classifier treats the value {missing_value!r} as missing; SkillInference passes "
            "NaN for missing features, so send NaN (not the sentinel) for them",
            file=sys.stderr,
        )
    summary = (
        f"exported {n_trees} trees ({booster_kind}, {n_features} features, base_score {base_score:g}"
        + (f", best_iteration {best_iteration}" if early_stopped else "")
        + ") "
        + ("with scaler" if scaler_doc is not None else "without scaler")
        + (" and feature names" if feature_names else "")
        + f" to {out_dir}"
    )
    return summary


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    if not any(out_dir.iterdir()):
        os.rename(tmp, out_dir)  # POSIX: replaces an empty directory
        return
    # --force: replace the exported files, drop a stale scaler.json, keep anything else.
    for name in OUTPUT_FILES:
        target = out_dir / name
        src = tmp / name
        if src.exists():
            os.replace(src, target)
        elif target.exists():
            target.unlink()
    shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export_xgboost.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Export a pickled XGBoost binary classifier (and its scikit-learn StandardScaler) into the\n"
            "files `skillinf import xgboost` reads: model.json, scaler.json (with a scaler) and metadata.json."
        ),
        epilog="""\
accepted --model pickles:
  xgboost.XGBClassifier                         (binary, objective binary:logistic)
  xgboost.Booster                               (objective binary:logistic)
  sklearn Pipeline(StandardScaler, XGBClassifier)  (then do not pass --scaler)

feature names come from --feature-names, else the booster's feature_names, else the
scaler's feature_names_in_ (fitted on named columns), else none (f0..f{n-1}); when
several sources give names they must agree, and every count (names, scaler features,
model features) must match.

refused (message starting "error: " on stderr, exit code 2, nothing written):
  a pickle that is not one of the types above (or cannot be read); a Pipeline with other
  steps or another order; multi-class models; objectives other than binary:logistic
  (reg:squarederror, binary:logitraw, binary:hinge, ...); the gblinear booster;
  categorical features or splits; an unfitted scaler or one that is not a StandardScaler;
  feature-count mismatches; disagreeing feature names; a non-empty --out without --force.

output (DIR):
  model.json     booster.save_model() in XGBoost JSON (feature names set when known)
  scaler.json    {"kind": "standard", "mean": [...], "scale": [...], "n_features": N}
  metadata.json  feature_names, n_features, xgboost_version, sklearn_version, objective,
                 booster, best_iteration, n_trees, base_score, exported_at, source
                 (file names and SHA-256), metrics, has_scaler, num_parallel_tree,
                 early_stopping, trees_used, missing, importance (feature_importances_),
                 importance_type; with --training-metadata also trained_at,
                 training_data_sha256, statistics, reference, hyperparameters

Only unpickle files you trust. Requires Debian's /usr/bin/python3 with python3-xgboost
and python3-sklearn.
""",
    )
    parser.add_argument("--model", required=True, metavar="MODEL.pkl",
                        help="pickled XGBClassifier, Booster or Pipeline(StandardScaler, XGBClassifier)")
    parser.add_argument("--scaler", metavar="SCALER.pkl",
                        help="pickled, fitted sklearn StandardScaler applied before the model (not with a Pipeline)")
    parser.add_argument("--feature-names", metavar="a,b,c",
                        help="comma-separated feature names in the model's input order")
    parser.add_argument("--metrics", metavar="METRICS.json",
                        help="JSON object of evaluation metrics copied into metadata.json (e.g. auc, accuracy, log_loss)")
    parser.add_argument("--training-metadata", metavar="META.json",
                        help="the notebook's <skill>.metadata.json: trained_at, training_data_sha256, metrics, statistics "
                             "and reference histograms are carried into metadata.json (its metrics unless --metrics)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory; created; must not exist or be empty unless --force")
    parser.add_argument("--force", action="store_true",
                        help="replace model.json/scaler.json/metadata.json in an existing non-empty DIR")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        summary = export(args)
    except Refusal as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_REFUSED
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
