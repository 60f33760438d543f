#!/usr/bin/python3
"""Convert an XGBoost binary:logistic model (XGBoost's JSON, booster.save_model("model.json")) into ONNX.

    /usr/bin/python3 tools/bench/xgboost_to_onnx.py --model model.json --out model.onnx

Only onnx.helper is used (python3-onnx; onnxmltools and skl2onnx are not available here). The graph is

    input  float [N, F]
      -> ai.onnx.ml TreeEnsembleRegressor (SUM of every tree, base value = the base margin)  margin [N, 1]
      -> Sigmoid                                                                              probability [N, 1]

with each XGBoost split as a BRANCH_LT node (XGBoost goes to the left child when x < threshold, comparing in
float32) whose true branch is the left child, missing_value_tracks_true = default_left (NaN follows the default
direction), and each leaf's value (split_conditions[leaf] in the JSON) as the leaf's target weight. The base margin
is the float32 logit of base_score, as XGBoost starts every row.

Refused (exit code 2, one line "error: ..."): another objective, a dart or gblinear booster, categorical splits,
several targets or classes. ONNX Runtime's sums are float32 in its own order, so its probabilities are close to
predict_proba (about 1e-7) but not bit-identical; the benchmark suite checks them from C# with ONNX Runtime
(onnxruntime for Python is not available here).

When xgboost is importable, the converted arrays are also evaluated here with numpy, exactly as the ONNX operator
defines them, on random rows (with NaN) and compared with xgboost's own margins: a self-check of the conversion that
needs no ONNX runtime.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

EXIT_REFUSED = 2


class Refusal(Exception):
    pass


def parse_base_score(text) -> float:
    s = str(text).strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1].split(",")[0].strip()
    return float(s)


def load(model_path: Path) -> tuple[dict, list[dict], int, float]:
    doc = json.loads(model_path.read_text(encoding="utf-8"))
    learner = doc["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        raise Refusal(f"objective {objective} is not supported; only binary:logistic")
    booster = learner["gradient_booster"]
    if booster["name"] != "gbtree":
        raise Refusal(f"booster {booster['name']} is not supported; only gbtree")
    param = learner["learner_model_param"]
    if int(param.get("num_class", "0")) > 1 or int(param.get("num_target", "1")) != 1:
        raise Refusal("multi-class or multi-target models are not supported")
    trees = booster["model"]["trees"]
    if any(int(t) != 0 for t in booster["model"].get("tree_info", [])):
        raise Refusal("trees of several output groups are not supported")
    for t in trees:
        if any(int(s) != 0 for s in t.get("split_type", [])):
            raise Refusal("categorical splits are not supported")
    n_features = int(param["num_feature"])
    base_score = parse_base_score(param["base_score"])
    if not 0.0 < base_score < 1.0:
        raise Refusal(f"base_score {base_score} is not a probability")
    # XGBoost: margin = -log(1/p - 1) as float32.
    base_margin = float(np.float32(-math.log(1.0 / base_score - 1.0)))
    return doc, trees, n_features, base_margin


def tree_arrays(trees: list[dict]) -> dict[str, list]:
    a: dict[str, list] = {k: [] for k in (
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
        "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true",
        "target_treeids", "target_nodeids", "target_ids", "target_weights")}
    for tree_id, t in enumerate(trees):
        left, right = t["left_children"], t["right_children"]
        feature, condition, default_left = t["split_indices"], t["split_conditions"], t["default_left"]
        for node in range(len(left)):
            a["nodes_treeids"].append(tree_id)
            a["nodes_nodeids"].append(node)
            if left[node] == -1:
                a["nodes_featureids"].append(0)
                a["nodes_values"].append(0.0)
                a["nodes_modes"].append("LEAF")
                a["nodes_truenodeids"].append(0)
                a["nodes_falsenodeids"].append(0)
                a["nodes_missing_value_tracks_true"].append(0)
                a["target_treeids"].append(tree_id)
                a["target_nodeids"].append(node)
                a["target_ids"].append(0)
                a["target_weights"].append(float(np.float32(condition[node])))
            else:
                a["nodes_featureids"].append(int(feature[node]))
                a["nodes_values"].append(float(np.float32(condition[node])))
                a["nodes_modes"].append("BRANCH_LT")
                a["nodes_truenodeids"].append(int(left[node]))
                a["nodes_falsenodeids"].append(int(right[node]))
                a["nodes_missing_value_tracks_true"].append(1 if int(default_left[node]) else 0)
    return a


def build(a: dict[str, list], n_features: int, base_margin: float, producer: str) -> onnx.ModelProto:
    ensemble = helper.make_node(
        "TreeEnsembleRegressor", ["input"], ["margin"], domain="ai.onnx.ml", name="trees",
        n_targets=1, aggregate_function="SUM", post_transform="NONE", base_values=[base_margin], **a)
    sigmoid = helper.make_node("Sigmoid", ["margin"], ["probability"], name="sigmoid")
    graph = helper.make_graph(
        [ensemble, sigmoid], "xgboost_binary_logistic",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])])
    model = helper.make_model(
        graph, producer_name="skillinference tools/bench/xgboost_to_onnx.py", producer_version=producer,
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def numpy_margin(a: dict[str, list], base_margin: float, X: np.ndarray) -> np.ndarray:
    """The ONNX operator's semantics on the converted arrays (float32 comparisons; sum in float64 here)."""
    tree = np.asarray(a["nodes_treeids"])
    node = np.asarray(a["nodes_nodeids"])
    starts = np.searchsorted(tree, np.arange(tree.max() + 1))
    feat = np.asarray(a["nodes_featureids"])
    thr = np.asarray(a["nodes_values"], dtype=np.float32)
    leaf = np.asarray([m == "LEAF" for m in a["nodes_modes"]])
    true_id = np.asarray(a["nodes_truenodeids"])
    false_id = np.asarray(a["nodes_falsenodeids"])
    nan_true = np.asarray(a["nodes_missing_value_tracks_true"]).astype(bool)
    weight = np.zeros(len(tree))
    for t, n, w in zip(a["target_treeids"], a["target_nodeids"], a["target_weights"]):
        weight[starts[t] + n] = w
    assert np.all(node == np.arange(len(node)) - starts[tree])
    out = np.full(len(X), base_margin, dtype=np.float64)
    rows = np.arange(len(X))
    for t in range(len(starts)):
        cur = np.full(len(X), starts[t])
        while not leaf[cur].all():
            x = X[rows, feat[cur]]
            go_true = np.where(np.isnan(x), nan_true[cur], x < thr[cur])
            nxt = starts[t] + np.where(go_true, true_id[cur], false_id[cur])
            cur = np.where(leaf[cur], cur, nxt)
        out += weight[cur]
    return out


def self_check(model_path: Path, a: dict[str, list], base_margin: float, n_features: int) -> float:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(str(model_path))
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2_000, n_features)).astype(np.float32) * 3
    # Real thresholds as values too (the x == t boundary), and NaN.
    thresholds = np.asarray(a["nodes_values"], dtype=np.float32)[np.asarray(a["nodes_modes"]) != "LEAF"]
    features = np.asarray(a["nodes_featureids"])[np.asarray(a["nodes_modes"]) != "LEAF"]
    pick = rng.integers(0, len(thresholds), size=2_000)
    X[np.arange(2_000), features[pick]] = thresholds[pick]
    X[rng.random(X.shape) < 0.1] = np.nan
    expected = booster.predict(xgb.DMatrix(X, missing=np.nan, feature_names=booster.feature_names), output_margin=True)
    got = numpy_margin(a, base_margin, X)
    return float(np.max(np.abs(got - expected)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, type=Path, help="XGBoost's JSON model (model.json)")
    parser.add_argument("--out", required=True, type=Path, help="the .onnx file to write")
    parser.add_argument("--no-check", action="store_true", help="skip the numpy self-check against xgboost")
    args = parser.parse_args()
    try:
        doc, trees, n_features, base_margin = load(args.model)
    except Refusal as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_REFUSED
    a = tree_arrays(trees)
    version = ".".join(str(v) for v in doc.get("version", []))
    model = build(a, n_features, base_margin, f"from xgboost {version}")
    if not args.no_check:
        try:
            diff = self_check(args.model, a, base_margin, n_features)
        except ImportError:
            diff = None
        if diff is not None:
            if diff > 1e-4:
                print(f"error: the converted trees disagree with xgboost by {diff:.3g} in the margin", file=sys.stderr)
                return 1
            print(f"self-check: margins of 2,000 rows (10% NaN, threshold values) within {diff:.2g} of xgboost's")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.out))
    print(f"converted {len(trees)} trees ({len(a['nodes_treeids'])} nodes, {n_features} features, "
          f"base margin {base_margin:.9g}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
