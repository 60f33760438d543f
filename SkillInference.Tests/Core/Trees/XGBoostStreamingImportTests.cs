using System.Globalization;
using System.Text;
using SkillInference.Trees;

namespace SkillInference.Tests.Core.Trees;

/// <summary>
/// The importer reads a model's tree arrays in one streaming pass and only the rest as a document; a model that pass
/// declines is read whole as a document. Both ways must give the same ensemble, or the same error, for any input:
/// well-formed models of each booster, models in every shape the pass declines, and thousands of corrupted ones.
/// </summary>
[TestClass]
public sealed class XGBoostStreamingImportTests
{
    private const string Tree = """
        { "left_children": [1, 3, -1, -1, -1], "right_children": [2, 4, -1, -1, -1],
          "split_indices": [1, 0, 0, 0, 0], "split_conditions": [0.5, -1.0, 0.25, -0.5, 1.25E-1],
          "default_left": [1, 0, 0, 0, 0], "split_type": [0, 0, 0, 0, 0],
          "sum_hessian": [10.0, 6.0, 4.0, 2.0, 4.0], "loss_changes": [3.0, 1.0, 0, 0, 0],
          "parents": [2147483647, 0, 0, 1, 1], "base_weights": [0, 0, 0, 0, 0],
          "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
          "id": 0, "tree_param": { "num_deleted": "0", "num_feature": "2", "num_nodes": "5", "size_leaf_vector": "0" } }
        """;

    private const string Tree2 = """
        { "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
          "split_conditions": [-2.5E-1, 7.5E-1, -1.0000001E-1], "default_left": [0, 0, 0],
          "sum_hessian": [5.0, 2.5, 2.5], "loss_changes": [2.0, 0, 0], "id": 1 }
        """;

    private static string Model(string booster = "gbtree", string trees = Tree + ", " + Tree2, string attributes = "{}", string names = "[]") =>
        $$"""
        { "learner": { "attributes": {{attributes}}, "feature_names": {{names}}, "feature_types": [],
            "gradient_booster": {{Booster(booster, trees)}},
            "learner_model_param": { "base_score": "5E-1", "num_class": "0", "num_feature": "2", "num_target": "1" },
            "name": "generic", "objective": { "name": "binary:logistic", "reg_loss_param": { "scale_pos_weight": "1" } } },
          "version": [2, 0, 3] }
        """;

    private static string Booster(string booster, string trees)
    {
        var gbtree = $$"""{ "name": "gbtree", "model": { "gbtree_model_param": { "num_parallel_tree": "1", "num_trees": "2" }, "iteration_indptr": [0, 1, 2], "tree_info": [0, 0], "trees": [{{trees}}] } }""";
        return booster == "dart" ? $$"""{ "name": "dart", "gbtree": {{gbtree}}, "weight_drop": [0.5, 1.0] }""" : gbtree;
    }

    public static IEnumerable<object[]> Streamed =>
    [
        ["gbtree", Model()],
        ["dart", Model("dart")],
        ["early stopping", Model(attributes: """{ "best_iteration": "0", "best_score": "0.5" }""")],
        ["feature names", Model(names: """["a", "b"]""")],
        ["keys in another order, unknown keys", Model(trees: """{ "extra": {"trees": [1]}, "sum_hessian": [1.0], "default_left": [0], "split_conditions": [3.5E-1], "split_indices": [0], "right_children": [-1], "left_children": [-1] }""")],
        ["a cycle", Model(trees: """{ "left_children": [1, 0, -1], "right_children": [2, 2, -1], "split_indices": [0, 0, 0], "split_conditions": [0, 0, 1], "default_left": [0, 0, 0], "sum_hessian": [1, 1, 1] }""")],
        ["child outside", Model(trees: Tree.Replace("[1, 3, -1, -1, -1]", "[1, 9, -1, -1, -1]", StringComparison.Ordinal))],
        ["categorical", Model(trees: Tree.Replace("\"split_type\": [0, 0, 0, 0, 0]", "\"split_type\": [0, 1, 0, 0, 0]", StringComparison.Ordinal))],
        ["short loss_changes", Model(trees: Tree.Replace("[3.0, 1.0, 0, 0, 0]", "[3.0]", StringComparison.Ordinal))],
        ["arrays of different lengths", Model(trees: Tree.Replace("[10.0, 6.0, 4.0, 2.0, 4.0]", "[10.0, 6.0]", StringComparison.Ordinal))],
        ["no trees", Model(trees: "")],
        ["feature out of range", Model(trees: Tree.Replace("[1, 0, 0, 0, 0]", "[7, 0, 0, 0, 0]", StringComparison.Ordinal))],
    ];

    public static IEnumerable<object[]> Declined =>
    [
        ["not JSON", "{ \"learner\": "],
        ["trailing garbage", Model() + " x"],
        ["booleans for default_left", Model(trees: Tree.Replace("[1, 0, 0, 0, 0], \"split_type\"", "[true, false, false, false, false], \"split_type\"", StringComparison.Ordinal))],
        ["a number as a string", Model(trees: Tree.Replace("[1, 0, 0, 0, 0], \"split_conditions\"", "[\"1\", 0, 0, 0, 0], \"split_conditions\"", StringComparison.Ordinal))],
        ["a fraction for an index", Model(trees: Tree.Replace("[1, 0, 0, 0, 0], \"split_conditions\"", "[1.0, 0, 0, 0, 0], \"split_conditions\"", StringComparison.Ordinal))],
        ["an infinite threshold", Model(trees: Tree.Replace("[0.5, -1.0,", "[1e39, -1.0,", StringComparison.Ordinal))],
        ["a key twice", Model(trees: Tree.Replace("\"id\": 0", "\"left_children\": [1, 3, -1, -1, -1]", StringComparison.Ordinal))],
        ["a missing array", Model(trees: Tree.Replace("\"sum_hessian\"", "\"sum_hessians\"", StringComparison.Ordinal))],
        ["a tree that is not an object", Model(trees: "[1, 2]")],
        ["trees that are not an array", Model().Replace("\"trees\": [", "\"trees\": {\"t\": [", StringComparison.Ordinal).Replace("} ] } }", "} ]} } }", StringComparison.Ordinal)],
        ["trees twice", Model().Replace("\"iteration_indptr\"", "\"trees\": [], \"iteration_indptr\"", StringComparison.Ordinal)],
        ["an array that is not an array", Model(trees: Tree.Replace("\"split_indices\": [1, 0, 0, 0, 0]", "\"split_indices\": 1", StringComparison.Ordinal))],
    ];

    [TestMethod]
    [DynamicData(nameof(Streamed))]
    public void Parse_ModelTheStreamingPassReads_EqualsTheDocumentPath(string name, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.IsTrue(XGBoostTreeArrays.TryReadAll(bytes, out var rest, out _, out _), $"{name}: the streaming pass should read it");
        Assert.DoesNotContain("left_children", Encoding.UTF8.GetString(rest), $"{name}: the trees are read by the streaming pass, not left in the document");
        Assert.AreEqual(Outcome(() => XGBoostJsonImporter.ParseAsDocument(bytes)), Outcome(() => XGBoostJsonImporter.Parse(bytes)), name);
    }

    [TestMethod]
    [DynamicData(nameof(Declined))]
    public void Parse_ModelTheStreamingPassDeclines_IsReadAsADocument(string name, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.IsFalse(XGBoostTreeArrays.TryReadAll(bytes, out _, out _, out _), $"{name}: the streaming pass should leave it to the document");
        Assert.AreEqual(Outcome(() => XGBoostJsonImporter.ParseAsDocument(bytes)), Outcome(() => XGBoostJsonImporter.Parse(bytes)), name);
    }

    [TestMethod]
    public void Parse_CorruptedModels_GiveTheDocumentPathsResultOrError()
    {
        var random = new Random(20261207);
        var models = new[] { Model(), Model("dart"), Model(attributes: """{ "best_iteration": "0" }""") }.Select(Encoding.UTF8.GetBytes).ToArray();
        var replacements = "0123456789-.eE,[]{}\": tx"u8.ToArray();
        var streamed = 0;
        for (var i = 0; i < 4000; i++)
        {
            var bytes = (byte[])models[i % models.Length].Clone();
            var edits = 1 + random.Next(3);
            for (var e = 0; e < edits; e++)
            {
                var at = random.Next(bytes.Length);
                if (random.Next(2) == 0)
                {
                    // A digit for a digit: still JSON, a different model (an index, a child, a threshold, a count).
                    while (!char.IsAsciiDigit((char)bytes[at]))
                    {
                        at = (at + 1) % bytes.Length;
                    }

                    bytes[at] = (byte)('0' + random.Next(10));
                }
                else
                {
                    bytes[at] = replacements[random.Next(replacements.Length)];
                }
            }

            if (random.Next(10) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }

            streamed += XGBoostTreeArrays.TryReadAll(bytes, out _, out _, out _) ? 1 : 0;
            Assert.AreEqual(Outcome(() => XGBoostJsonImporter.ParseAsDocument(bytes)), Outcome(() => XGBoostJsonImporter.Parse(bytes)), Encoding.UTF8.GetString(bytes));
        }

        // Half the edits change a digit, which leaves valid JSON: the comparison must cover the streaming pass.
        Assert.IsGreaterThan(1000, streamed, $"corruptions read by the streaming pass: {streamed}");
    }

    /// <summary>Everything an import gives (every array of the ensemble and what the model declares), or its error.</summary>
    internal static string Outcome(Func<(XGBoostModelInfo Info, TreeEnsemble Ensemble)> parse)
    {
        try
        {
            var (info, e) = parse();
            static string Join<T>(IEnumerable<T>? values) => values is null ? "null" : string.Join(' ', values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v:R}")));
            return string.Join('\n',
                $"{info with { FeatureNames = null }} names={Join(info.FeatureNames)}",
                $"features={e.FeatureCount} semantics={e.Semantics} base={e.BaseMargin:R} dart={e.Dart}",
                $"roots={Join(e.Roots)}", $"feature={Join(e.Feature)}", $"threshold={Join(e.Threshold)}", $"left={Join(e.Left)}", $"right={Join(e.Right)}",
                $"defaultLeft={Join(e.DefaultLeft)}", $"value={Join(e.Value)}", $"cover={Join(e.Cover)}", $"weights={Join(e.TreeWeights)}", $"gain={Join(e.GainImportance)}");
        }
        catch (ModelImportException ex)
        {
            return $"{ex.Kind}: {ex.Message}";
        }
    }
}
