using System.Text;
using SkillInference.Trees;

namespace SkillInference.Tests.Core.Trees;

/// <summary>
/// The importer's semantics on small hand-written models whose outputs are computed by hand:
/// left on strict <c>x &lt; threshold</c>, NaN by default direction, float32 accumulation from the base margin, dart
/// weights, base_score formats, and refusal of everything that would be served wrong.
/// </summary>
[TestClass]
public sealed class XGBoostJsonImporterTests
{
    // One tree: node 0 splits f1 < 0.5 (default left), node 1 splits f0 < -1 (default right); leaves 3,4,2.
    private const string Tree = """
        { "left_children": [1, 3, -1, -1, -1], "right_children": [2, 4, -1, -1, -1],
          "split_indices": [1, 0, 0, 0, 0], "split_conditions": [0.5, -1.0, 0.25, -0.5, 0.125],
          "default_left": [1, 0, 0, 0, 0], "split_type": [0, 0, 0, 0, 0],
          "sum_hessian": [10.0, 6.0, 4.0, 2.0, 4.0], "loss_changes": [3.0, 1.0, 0, 0, 0],
          "parents": [2147483647, 0, 0, 1, 1], "base_weights": [0, 0, 0, 0, 0],
          "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
          "id": 0, "tree_param": { "num_deleted": "0", "num_feature": "2", "num_nodes": "5", "size_leaf_vector": "0" } }
        """;

    private static string Model(string booster = "gbtree", string objective = "binary:logistic", string baseScore = "5E-1", string numClass = "0", string? trees = null, string extra = "")
    {
        trees ??= Tree;
        var gbtree = $$"""{ "name": "gbtree", "model": { "gbtree_model_param": { "num_parallel_tree": "1", "num_trees": "1" }, "trees": [{{trees}}], "tree_info": [0] } }""";
        var gradientBooster = booster switch
        {
            "dart" => $$"""{ "name": "dart", "gbtree": {{gbtree}}, "weight_drop": [0.5] }""",
            "gblinear" => """{ "name": "gblinear", "model": { "weights": [0.1, 0.2, 0.0] } }""",
            _ => gbtree,
        };
        return $$"""
            { "learner": { "attributes": {}, "feature_names": [], "feature_types": [], {{extra}}
                "gradient_booster": {{gradientBooster}},
                "learner_model_param": { "base_score": "{{baseScore}}", "num_class": "{{numClass}}", "num_feature": "2", "num_target": "1" },
                "objective": { "name": "{{objective}}", "reg_loss_param": { "scale_pos_weight": "1" } } },
              "version": [1, 7, 4] }
            """;
    }

    /// <summary>The one-tree model above with feature names <c>a</c> and <c>b</c>, as an exporter writes it.</summary>
    internal static byte[] NamedModel() => Utf8(Model(extra: "\"feature_names\": [\"a\", \"b\"],").Replace("\"feature_names\": [], ", "", StringComparison.Ordinal));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [TestMethod]
    public void Margin_Paths_FollowStrictLessThanAndDefaults()
    {
        var ensemble = XGBoostJsonImporter.Compile(Utf8(Model()));

        // base_score 0.5 -> base margin 0. Paths by hand:
        Assert.AreEqual(0.125f, ensemble.Margin([0f, 0.49f]));         // f1 0.49 < 0.5 left; f0 0 not < -1 -> right leaf 4
        Assert.AreEqual(0.25f, ensemble.Margin([0f, 0.5f]));           // f1 == threshold is not < : right leaf 2
        Assert.AreEqual(-0.5f, ensemble.Margin([-2f, 0f]));            // left, left: leaf 3
        Assert.AreEqual(-0.5f, ensemble.Margin([-1.0000001f, 0f]));    // just below -1: left
        Assert.AreEqual(0.125f, ensemble.Margin([-1f, 0f]));           // exactly -1: right
        Assert.AreEqual(0.125f, ensemble.Margin([float.NaN, float.NaN])); // NaN f1: default left; NaN f0: default right
    }

    [TestMethod]
    public void Predict_BaseScore_StartsFromItsFloatLogit()
    {
        var ensemble = XGBoostJsonImporter.Compile(Utf8(Model(baseScore: "3E-1")));

        var baseMargin = -MathF.Log((1f / 0.3f) - 1f);
        var margin = baseMargin + 0.25f;
        Assert.AreEqual(margin, ensemble.Margin([0f, 1f]));
        Assert.AreEqual(1f / (1f + MathF.Exp(-margin)), ensemble.Predict([0f, 1f]));
    }

    [TestMethod]
    [DataRow("[5E-1]")]
    [DataRow("5E-1")]
    [DataRow("0.5")]
    public void ParseBaseScore_BothXGBoostFormats_Agree(string text) =>
        Assert.AreEqual(0.5f, XGBoostJsonImporter.ParseBaseScore(text));

    [TestMethod]
    public void Margin_Dart_AddsWeightedTreeOutputsAsXGBoostDoes()
    {
        var ensemble = XGBoostJsonImporter.Compile(Utf8(Model(booster: "dart", baseScore: "3E-1")));

        var b = -MathF.Log((1f / 0.3f) - 1f);
        Assert.AreEqual(b + (((b + 0.25f) - b) * 0.5f), ensemble.Margin([0f, 1f]));
    }

    [TestMethod]
    public void Inspect_Model_ReportsWhatItDeclares()
    {
        var info = XGBoostJsonImporter.Inspect(NamedModel());

        Assert.AreEqual(2, info.FeatureCount);
        CollectionAssert.AreEqual(new[] { "a", "b" }, info.FeatureNames!.ToArray());
        Assert.AreEqual("gbtree", info.Booster);
        Assert.AreEqual("1.7.4", info.XGBoostVersion);
        Assert.AreEqual(2, info.MaxDepth);
    }

    [TestMethod]
    public void Compile_GainImportance_IsLossChangeShare()
    {
        var ensemble = XGBoostJsonImporter.Compile(Utf8(Model()));

        CollectionAssert.AreEqual(new[] { 0.25, 0.75 }, ensemble.GainImportance);
    }

    [TestMethod]
    [DataRow("multi:softprob", "3", ModelImportErrorKind.MultiClass)]
    [DataRow("reg:squarederror", "0", ModelImportErrorKind.UnsupportedObjective)]
    [DataRow("binary:logitraw", "0", ModelImportErrorKind.UnsupportedObjective)]
    [DataRow("binary:hinge", "0", ModelImportErrorKind.UnsupportedObjective)]
    public void Compile_UnsupportedObjective_IsRefused(string objective, string numClass, ModelImportErrorKind kind)
    {
        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Utf8(Model(objective: objective, numClass: numClass))));

        Assert.AreEqual(kind, ex.Kind);
    }

    [TestMethod]
    public void Compile_CategoricalSplit_IsRefused()
    {
        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Utf8(Model(trees: Tree.Replace("\"split_type\": [0, 0, 0, 0, 0]", "\"split_type\": [1, 0, 0, 0, 0]", StringComparison.Ordinal)))));

        Assert.AreEqual(ModelImportErrorKind.CategoricalSplits, ex.Kind);
    }

    [TestMethod]
    public void Compile_Gblinear_IsRefused()
    {
        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Utf8(Model(booster: "gblinear"))));

        Assert.AreEqual(ModelImportErrorKind.UnsupportedModel, ex.Kind);
    }

    [TestMethod]
    [DataRow("not json")]
    [DataRow("{}")]
    [DataRow("{\"learner\": {}}")]
    public void Compile_NotAModel_IsRefusedAsMalformed(string json)
    {
        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Utf8(json)));

        Assert.AreEqual(ModelImportErrorKind.Malformed, ex.Kind);
    }

    [TestMethod]
    public void Compile_ChildOutsideTree_IsRefusedAsMalformed()
    {
        var broken = Tree.Replace("\"left_children\": [1, 3, -1, -1, -1]", "\"left_children\": [1, 9, -1, -1, -1]", StringComparison.Ordinal);

        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Utf8(Model(trees: broken))));

        Assert.AreEqual(ModelImportErrorKind.Malformed, ex.Kind);
    }
}
