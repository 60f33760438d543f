using System.Buffers;

namespace SkillInference.Trees;

/// <summary>
/// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018; the algorithm XGBoost's <c>pred_contribs</c> runs):
/// per-feature contributions to the raw score of one row, which sum with the bias (the expected raw score over the
/// training covers, plus the base margin) to the raw score. Computed in double precision.
/// </summary>
internal sealed class TreeShap
{
    private readonly TreeEnsemble _ensemble;
    private readonly double[] _nodeMean;
    private readonly int _maxDepth;

    public TreeShap(TreeEnsemble ensemble)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        var cover = ensemble.Cover ?? throw new InvalidOperationException("TreeSHAP needs node covers.");
        _ensemble = ensemble;
        _nodeMean = new double[ensemble.NodeCount];
        var maxDepth = 0;
        foreach (var root in ensemble.Roots)
        {
            FillNodeMean(root, cover);
            maxDepth = Math.Max(maxDepth, Depth(root));
        }

        _maxDepth = maxDepth;
    }

    /// <summary>
    /// Writes each feature's contribution to the raw score into <paramref name="contributions"/> (length
    /// <c>FeatureCount</c>) and returns the bias.
    /// </summary>
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        contributions.Clear();
        var e = _ensemble;
        var bias = 0.0;
        var pathSize = (_maxDepth + 2) * (_maxDepth + 3) / 2;
        var path = ArrayPool<PathElement>.Shared.Rent(pathSize + _maxDepth + 4);
        var treePhi = ArrayPool<double>.Shared.Rent(e.FeatureCount);
        try
        {
            for (var t = 0; t < e.TreeCount; t++)
            {
                var weight = TreeWeight(t);
                var phi = treePhi.AsSpan(0, e.FeatureCount);
                phi.Clear();
                Recurse(row, phi, e.Roots[t], path, 0, 0, 1, 1, -1);
                for (var f = 0; f < phi.Length; f++)
                {
                    contributions[f] += phi[f] * weight;
                }

                bias += _nodeMean[e.Roots[t]] * weight;
            }
        }
        finally
        {
            ArrayPool<PathElement>.Shared.Return(path);
            ArrayPool<double>.Shared.Return(treePhi);
        }

        return bias + e.BaseMargin;
    }

    private double TreeWeight(int tree) =>
        _ensemble.Semantics == TreeSemantics.FastTree
            ? _ensemble.TreeWeightsDouble?[tree] ?? 1.0
            : _ensemble.Dart ? _ensemble.TreeWeights![tree] : 1.0;

    private double LeafValue(int node) =>
        _ensemble.Semantics == TreeSemantics.FastTree ? _ensemble.LeafDouble![node] : _ensemble.Value[node];

    private double FillNodeMean(int node, double[] cover)
    {
        var e = _ensemble;
        double result;
        if (e.Feature[node] < 0)
        {
            result = LeafValue(node);
        }
        else
        {
            var (l, r) = (e.Left[node], e.Right[node]);
            result = ((FillNodeMean(l, cover) * cover[l]) + (FillNodeMean(r, cover) * cover[r])) / cover[node];
        }

        _nodeMean[node] = result;
        return result;
    }

    private int Depth(int node) =>
        _ensemble.Feature[node] < 0 ? 0 : 1 + Math.Max(Depth(_ensemble.Left[node]), Depth(_ensemble.Right[node]));

    private int HotChild(int node, ReadOnlySpan<float> row)
    {
        var e = _ensemble;
        var x = row[e.Feature[node]];
        if (e.Semantics == TreeSemantics.FastTree)
        {
            return x <= e.Threshold[node] ? e.Left[node] : e.Right[node];
        }

        return float.IsNaN(x) ? (e.DefaultLeft[node] ? e.Left[node] : e.Right[node]) : x < e.Threshold[node] ? e.Left[node] : e.Right[node];
    }

    private void Recurse(ReadOnlySpan<float> row, Span<double> phi, int node, PathElement[] buffer, int parentOffset, int uniqueDepth, double parentZero, double parentOne, int parentFeature)
    {
        var e = _ensemble;
        var cover = e.Cover!;

        // Each level works on its own copy of the path, placed after the parent's.
        var offset = parentOffset + uniqueDepth + 1;
        var path = buffer.AsSpan(offset, uniqueDepth + 1);
        buffer.AsSpan(parentOffset, uniqueDepth + 1).CopyTo(path);
        ExtendPath(path, uniqueDepth, parentZero, parentOne, parentFeature);

        if (e.Feature[node] < 0)
        {
            var leaf = LeafValue(node);
            for (var i = 1; i <= uniqueDepth; i++)
            {
                var w = UnwoundPathSum(path, uniqueDepth, i);
                var el = path[i];
                phi[el.Feature] += w * (el.One - el.Zero) * leaf;
            }

            return;
        }

        var split = e.Feature[node];
        var hot = HotChild(node, row);
        var cold = hot == e.Left[node] ? e.Right[node] : e.Left[node];
        var w0 = cover[node];
        var hotZero = cover[hot] / w0;
        var coldZero = cover[cold] / w0;
        double incomingZero = 1, incomingOne = 1;

        // A feature already on the path: undo its earlier split so that it is redone here.
        var pathIndex = 0;
        for (; pathIndex <= uniqueDepth; pathIndex++)
        {
            if (path[pathIndex].Feature == split)
            {
                break;
            }
        }

        if (pathIndex != uniqueDepth + 1)
        {
            incomingZero = path[pathIndex].Zero;
            incomingOne = path[pathIndex].One;
            UnwindPath(path, uniqueDepth, pathIndex);
            uniqueDepth--;
        }

        Recurse(row, phi, hot, buffer, offset, uniqueDepth + 1, hotZero * incomingZero, incomingOne, split);
        Recurse(row, phi, cold, buffer, offset, uniqueDepth + 1, coldZero * incomingZero, 0, split);
    }

    private static void ExtendPath(Span<PathElement> path, int depth, double zero, double one, int feature)
    {
        path[depth] = new PathElement(feature, zero, one, depth == 0 ? 1 : 0);
        for (var i = depth - 1; i >= 0; i--)
        {
            path[i + 1].Weight += one * path[i].Weight * (i + 1) / (depth + 1);
            path[i].Weight = zero * path[i].Weight * (depth - i) / (depth + 1);
        }
    }

    private static void UnwindPath(Span<PathElement> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var nextOne = path[depth].Weight;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var tmp = path[i].Weight;
                path[i].Weight = nextOne * (depth + 1) / ((i + 1) * one);
                nextOne = tmp - (path[i].Weight * zero * (depth - i) / (depth + 1));
            }
            else
            {
                path[i].Weight = path[i].Weight * (depth + 1) / (zero * (depth - i));
            }
        }

        for (var i = index; i < depth; i++)
        {
            path[i].Feature = path[i + 1].Feature;
            path[i].Zero = path[i + 1].Zero;
            path[i].One = path[i + 1].One;
        }
    }

    private static double UnwoundPathSum(Span<PathElement> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var nextOne = path[depth].Weight;
        var total = 0.0;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var tmp = nextOne * (depth + 1) / ((i + 1) * one);
                total += tmp;
                nextOne = path[i].Weight - (tmp * zero * (depth - i) / (depth + 1));
            }
            else if (zero != 0)
            {
                total += path[i].Weight / zero / ((double)(depth - i) / (depth + 1));
            }
        }

        return total;
    }

    private struct PathElement(int feature, double zero, double one, double weight)
    {
        public int Feature = feature;
        public double Zero = zero;
        public double One = one;
        public double Weight = weight;
    }
}
