using System.Text;
using CsCheck;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;
using SkillInference.Tests.Infrastructure;
using SkillInference.Trees;

namespace SkillInference.Tests.Core.Trees;

/// <summary>
/// Every scoring kernel (heap, QuickScorer, self-loop) must give exactly what the node-by-node walk gives (which equals
/// ML.NET and XGBoost, see the parity tests): on rows placed exactly on thresholds (where &lt; and &lt;= differ), with
/// NaN, for one row and through the parallel batch path.
/// </summary>
[TestClass]
public sealed class TreeKernelTests
{
    public static IEnumerable<object[]> Skills => SampleStoreSkills.Ids.Select(s => new object[] { s });

    private static readonly TreeKernelKind[] Kernels = [TreeKernelKind.Heap, TreeKernelKind.QuickScorer, TreeKernelKind.SelfLoop];

    private static async Task<CompiledTreeModel> FastTreeAsync(string skill)
    {
        var bundle = await SampleStore.LoadBundleAsync(skill);
        return (CompiledTreeModel)new MlNetModelFormat().Load(bundle, ScoringEngine.Compiled);
    }

    /// <summary>The model under each kernel that can hold it.</summary>
    private static IEnumerable<CompiledTreeModel> UnderEveryKernel(TreeEnsemble ensemble)
    {
        foreach (var kind in Kernels)
        {
            CompiledTreeModel? model;
            try
            {
                model = new CompiledTreeModel(ensemble, kind);
            }
            catch (InvalidOperationException)
            {
                continue; // too deep for the heap, or too many leaves for QuickScorer
            }

            yield return model;
        }
    }

    /// <summary>Rows whose every feature sits exactly on some threshold the trees use, or is NaN.</summary>
    private static float[][] ThresholdRows(TreeEnsemble e, int count, int seed)
    {
        var thresholds = Enumerable.Range(0, e.FeatureCount)
            .Select(f => e.Feature.Select((feature, node) => (feature, node)).Where(p => p.feature == f).Select(p => e.Threshold[p.node]).Append(0f).ToArray())
            .ToArray();
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, e.FeatureCount)
            .Select(f => rng.Next(10) == 0 ? float.NaN : thresholds[f][rng.Next(thresholds[f].Length)])
            .ToArray())];
    }

    [TestMethod]
    [DynamicData(nameof(Skills))]
    public async Task Predict_FastTreeSample_EqualsNodeByNodeWalkOnThresholdsAndNaN(string skill)
    {
        var ensemble = (await FastTreeAsync(skill)).Ensemble;
        var rows = ThresholdRows(ensemble, 3000, 1);
        var kernels = UnderEveryKernel(ensemble).ToArray();
        CollectionAssert.Contains(kernels.Select(k => k.Kernel).ToArray(), "quickscorer");

        foreach (var model in kernels)
        {
            foreach (var row in rows)
            {
                Assert.AreEqual(ensemble.Predict(row), model.Predict(row), model.Kernel);
            }
        }
    }

    [TestMethod]
    public async Task PredictBatch_LargeBatchOnSeveralCores_EqualsRowByRow()
    {
        var ensemble = (await FastTreeAsync("communication")).Ensemble;
        var rows = ThresholdRows(ensemble, CompiledTreeModel.ParallelThreshold * 3 + 17, 2);
        var flat = rows.SelectMany(r => r).ToArray();

        foreach (var model in UnderEveryKernel(ensemble))
        {
            var batch = new float[rows.Length];
            model.PredictBatch(flat, batch);

            for (var i = 0; i < rows.Length; i++)
            {
                Assert.AreEqual(ensemble.Predict(rows[i]), batch[i], $"{model.Kernel}, row {i}");
            }
        }
    }

    [TestMethod]
    public void Predict_XGBoostWithDefaultDirections_EqualsNodeByNodeWalk()
    {
        // Depth-3 trees with both default directions, strict '<' and a dart-free float accumulation.
        var ensemble = XGBoostJsonImporter.Compile(Encoding.UTF8.GetBytes(RandomXGBoostModel(trees: 37, depth: 3, features: 5, seed: 11)));
        var thresholds = ensemble.Threshold.Where((_, n) => ensemble.Feature[n] >= 0).ToArray();
        var value = Gen.OneOf(Gen.Const(float.NaN), Gen.Const(float.PositiveInfinity), Gen.Const(float.NegativeInfinity), Gen.Float[-3f, 3f], Gen.Int[0, thresholds.Length - 1].Select(i => thresholds[i]));
        var rows = Enumerable.Range(0, 9000).Select(i => new[] { (i % 7) - 3f, float.NaN, thresholds[i % thresholds.Length], i % 3, -(i % 5) }).ToArray();
        var kernels = UnderEveryKernel(ensemble).ToArray();
        Assert.HasCount(3, kernels);
        Assert.AreEqual("heap", new CompiledTreeModel(ensemble).Kernel);

        foreach (var model in kernels)
        {
            value.Array[5].Sample(row => model.Predict(row) == ensemble.Predict(row), iter: 3000);

            var batch = new float[rows.Length];
            model.PredictBatch(rows.SelectMany(r => r).ToArray(), batch);
            for (var i = 0; i < rows.Length; i++)
            {
                Assert.AreEqual(ensemble.Predict(rows[i]), batch[i], model.Kernel);
            }
        }
    }

    [TestMethod]
    public void Predict_DeepUnbalancedTrees_EqualsNodeByNodeWalk()
    {
        var ensemble = XGBoostJsonImporter.Compile(Encoding.UTF8.GetBytes(RandomXGBoostModel(trees: 6, depth: 12, features: 3, seed: 3)));
        var model = new CompiledTreeModel(ensemble);

        Assert.AreEqual("self-loop", model.Kernel);
        Gen.OneOf(Gen.Const(float.NaN), Gen.Float[-3f, 3f]).Array[3].Sample(row => model.Predict(row) == ensemble.Predict(row), iter: 2000);
    }

    /// <summary>A random but valid XGBoost JSON model: complete trees of the given depth with random splits and default directions.</summary>
    private static string RandomXGBoostModel(int trees, int depth, int features, int seed)
    {
        var rng = new Random(seed);
        var treeJson = new List<string>();
        for (var t = 0; t < trees; t++)
        {
            var nodes = (1 << (depth + 1)) - 1;
            var internalNodes = (1 << depth) - 1;
            var left = new int[nodes];
            var right = new int[nodes];
            var split = new int[nodes];
            var cond = new float[nodes];
            var dl = new int[nodes];
            for (var i = 0; i < nodes; i++)
            {
                var leaf = i >= internalNodes;
                left[i] = leaf ? -1 : (2 * i) + 1;
                right[i] = leaf ? -1 : (2 * i) + 2;
                split[i] = leaf ? 0 : rng.Next(features);
                cond[i] = leaf ? (float)((rng.NextDouble() - 0.5) / 4) : (float)Math.Round((rng.NextDouble() * 6) - 3, 1);
                dl[i] = rng.Next(2);
            }

            string Join<T>(IEnumerable<T> xs) => string.Join(",", xs.Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture)));
            treeJson.Add($$"""
                { "left_children": [{{Join(left)}}], "right_children": [{{Join(right)}}], "split_indices": [{{Join(split)}}],
                  "split_conditions": [{{Join(cond.Select(c => c.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}}], "default_left": [{{Join(dl)}}],
                  "split_type": [{{Join(Enumerable.Repeat(0, nodes))}}], "sum_hessian": [{{Join(Enumerable.Repeat(1, nodes))}}], "loss_changes": [{{Join(Enumerable.Repeat(1, nodes))}}],
                  "tree_param": { "num_nodes": "{{nodes}}" } }
                """);
        }

        return $$"""
            { "learner": { "feature_names": [], "gradient_booster": { "name": "gbtree", "model": { "trees": [{{string.Join(",", treeJson)}}] } },
                "learner_model_param": { "base_score": "4E-1", "num_class": "0", "num_feature": "{{features}}" },
                "objective": { "name": "binary:logistic" } }, "version": [1, 7, 4] }
            """;
    }
}
