using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace SkillInference.Trees;

/// <summary>
/// Compiles a loaded ML.NET FastTree binary classifier (Platt-calibrated) into the flat evaluator. Per tree, internal
/// nodes keep ML.NET's indices 0..n-1 and leaf <c>k</c> becomes node n+k; that is also the order of the bundle's
/// <c>treeCovers</c>.
/// </summary>
internal static class FastTreeImporter
{
    /// <summary>Tries to compile; null when the model is not a calibrated FastTree binary classifier (it is then served by ML.NET itself).</summary>
    public static TreeEnsemble? TryCompile(ITransformer transformer, int featureCount, IReadOnlyList<IReadOnlyList<double>>? covers)
    {
        var last = transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : transformer;
        if (last is not ISingleFeaturePredictionTransformer<object> { Model: CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator> calibrated })
        {
            return null;
        }

        var ensemble = calibrated.SubModel.TrainedTreeEnsemble;
        var trees = ensemble.Trees;
        TreeLimits.Check(trees.Count, TreeLimits.MaxTrees, "trees");
        TreeLimits.Check(trees.Sum(t => (long)t.NumberOfNodes + t.NumberOfLeaves), TreeLimits.MaxTotalNodes, "nodes in all");
        if (trees.Any(t => t.CategoricalSplitFlags.Any(c => c)))
        {
            return null;
        }

        if (covers is not null && (covers.Count != trees.Count || covers.Where((c, t) => c.Count != trees[t].NumberOfNodes + trees[t].NumberOfLeaves).Any()))
        {
            covers = null; // inconsistent covers: score exactly, but do not explain.
        }

        var roots = new int[trees.Count];
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaf = new List<double>();
        var cover = covers is null ? null : new List<double>();
        var gains = new double[featureCount];
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            var offset = feature.Count;
            roots[t] = offset;
            var internalNodes = tree.NumberOfNodes;
            int Map(int child) => child < 0 ? offset + internalNodes + ~child : offset + child;

            if (internalNodes == 0)
            {
                // A stump: the single leaf is the root.
                feature.Add(-1);
                threshold.Add(0);
                left.Add(-1);
                right.Add(-1);
                leaf.Add(tree.LeafValues[0]);
                cover?.Add(covers![t][0]);
                continue;
            }

            for (var i = 0; i < internalNodes; i++)
            {
                var f = tree.NumericalSplitFeatureIndexes[i];
                if (f < 0 || f >= featureCount)
                {
                    throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"Tree {t} splits on feature {f}, outside the model's {featureCount} features.");
                }

                feature.Add(f);
                threshold.Add(tree.NumericalSplitThresholds[i]);
                left.Add(Map(tree.LeftChild[i]));
                right.Add(Map(tree.RightChild[i]));
                leaf.Add(0);
                gains[f] += tree.SplitGains[i];
            }

            for (var k = 0; k < tree.NumberOfLeaves; k++)
            {
                feature.Add(-1);
                threshold.Add(0);
                left.Add(-1);
                right.Add(-1);
                leaf.Add(tree.LeafValues[k]);
            }

            if (cover is not null)
            {
                cover.AddRange(covers![t]);
            }
        }

        var total = gains.Sum();
        var platt = calibrated.Calibrator;
        var compiled = new TreeEnsemble
        {
            Semantics = TreeSemantics.FastTree,
            FeatureCount = featureCount,
            Roots = roots,
            Feature = [.. feature],
            Threshold = [.. threshold],
            Left = [.. left],
            Right = [.. right],
            DefaultLeft = new bool[feature.Count],
            Value = [.. leaf.Select(v => (float)v)],
            LeafDouble = [.. leaf],
            TreeWeightsDouble = [.. ensemble.TreeWeights],
            Cover = cover?.ToArray(),
            BaseMargin = ensemble.Bias,
            PlattSlope = platt.Slope,
            PlattOffset = platt.Offset,
            GainImportance = [.. gains.Select(g => total > 0 ? g / total : 0)],
        };

        // A crafted model file can hold any child indices: each node reached once, iteratively, before anything walks it.
        TreeLimits.CheckEnsemble(compiled);
        return compiled;
    }

    /// <summary>
    /// Training cover of every node (rows reaching it), in the <c>treeCovers</c> order, from prepared training rows.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<double>> ComputeCovers(TreeEnsemble ensemble, IEnumerable<float[]> rows)
    {
        var counts = new double[ensemble.NodeCount];
        foreach (var row in rows)
        {
            for (var t = 0; t < ensemble.TreeCount; t++)
            {
                var node = ensemble.Roots[t];
                counts[node]++;
                while (ensemble.Feature[node] >= 0)
                {
                    node = row[ensemble.Feature[node]] <= ensemble.Threshold[node] ? ensemble.Left[node] : ensemble.Right[node];
                    counts[node]++;
                }
            }
        }

        var result = new IReadOnlyList<double>[ensemble.TreeCount];
        for (var t = 0; t < ensemble.TreeCount; t++)
        {
            var start = ensemble.Roots[t];
            var end = t + 1 < ensemble.TreeCount ? ensemble.Roots[t + 1] : ensemble.NodeCount;
            result[t] = counts[start..end];
        }

        return result;
    }
}
