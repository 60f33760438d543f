using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkillInference.Trees;

/// <summary>
/// QuickScorer (Lucchese et al., SIGIR 2015) for unbalanced trees of up to 64 leaves, such as FastTree's leaf-wise
/// trees: instead of descending, a row visits, feature by feature, the splits it fails — each split's thresholds are
/// stored sorted per feature, so these are a prefix of the list — and each failed split clears the leaves of its left
/// subtree from its tree's 64-bit leaf mask. The exit leaf of a tree is then the leftmost leaf still set. Memory is
/// read sequentially and the only data-dependent branch is the end of each feature's prefix.
/// </summary>
/// <remarks>
/// A split fails (the row goes right) when <c>x &gt;= t</c>, with t⁺ for FastTree as in <see cref="FlatForest"/>; a NaN
/// fails exactly the splits whose NaN direction is right. Leaves are summed in tree order in the source precision, so
/// results equal the node-by-node walk.
/// </remarks>
internal sealed class QuickScorerForest : ITreeKernel
{
    /// <summary>Trees with more leaves need another kernel (a leaf mask is 64 bits).</summary>
    public const int MaxLeaves = 64;

    private readonly int[] _featureStart;   // splits of feature f: [_featureStart[f], _featureStart[f + 1])
    private readonly float[] _threshold;    // ascending within a feature
    private readonly int[] _tree;           // the split's tree; the sign bit is set when NaN goes right
    private readonly ulong[] _mask;         // clears the split's left-subtree leaves
    private readonly uint[]? _mask32;       // the same masks, narrowed when every tree has at most 32, 16 or 8 leaves
    private readonly ushort[]? _mask16;
    private readonly byte[]? _mask8;
    private readonly int[] _leafStart;      // leaves of tree t, left to right: [_leafStart[t], ...)
    private readonly float[] _leafFloat;
    private readonly double[] _leafDouble;
    private readonly int _trees;

    private QuickScorerForest(int[] featureStart, float[] threshold, int[] tree, ulong[] mask, int[] leafStart, float[] leafFloat, double[] leafDouble, int trees)
    {
        _featureStart = featureStart;
        _threshold = threshold;
        _tree = tree;
        _mask = mask;
        var widest = 0;
        for (var t = 0; t < trees; t++)
        {
            widest = Math.Max(widest, (t + 1 < trees ? leafStart[t + 1] : leafFloat.Length) - leafStart[t]);
        }

        // A narrower mask per tree: fewer bytes to reset and to AND for each row (a FastTree tree has 8-32 leaves).
        if (widest <= 8)
        {
            _mask8 = [.. mask.Select(m => (byte)m)];
        }
        else if (widest <= 16)
        {
            _mask16 = [.. mask.Select(m => (ushort)m)];
        }
        else if (widest <= 32)
        {
            _mask32 = [.. mask.Select(m => (uint)m)];
        }

        _leafStart = leafStart;
        _leafFloat = leafFloat;
        _leafDouble = leafDouble;
        _trees = trees;
    }

    public string Name => "quickscorer";

    /// <summary>Builds the layout, or returns null when a tree has more than <see cref="MaxLeaves"/> leaves.</summary>
    public static QuickScorerForest? TryBuild(TreeEnsemble e)
    {
        var splits = new List<(int Feature, float Threshold, int Tree, bool NanRight, ulong Mask)>();
        var leafStart = new int[e.TreeCount];
        var leafFloat = new List<float>();
        var leafDouble = new List<double>();
        var fastTree = e.Semantics == TreeSemantics.FastTree;
        for (var t = 0; t < e.TreeCount; t++)
        {
            leafStart[t] = leafFloat.Count;
            var leaves = 0;
            var tooMany = false;

            // In-order walk: leaves numbered left to right; a split's left subtree holds leaves [first, end).
            (int First, int End) Visit(int node)
            {
                if (e.Feature[node] < 0)
                {
                    if (leaves == MaxLeaves)
                    {
                        tooMany = true;
                        return (leaves, leaves);
                    }

                    leafFloat.Add(e.Value[node]);
                    leafDouble.Add(e.LeafDouble?[node] ?? e.Value[node]);
                    return (leaves, ++leaves);
                }

                var (first, middle) = Visit(e.Left[node]);
                var (_, end) = Visit(e.Right[node]);
                var width = middle - first;
                var leftLeaves = width >= 64 ? ulong.MaxValue : ((1UL << width) - 1) << first;
                splits.Add((
                    e.Feature[node],
                    fastTree ? MathF.BitIncrement(e.Threshold[node]) : e.Threshold[node],
                    t,
                    fastTree || !e.DefaultLeft[node],
                    ~leftLeaves));
                return (first, end);
            }

            Visit(e.Roots[t]);
            if (tooMany)
            {
                return null;
            }
        }

        // Each feature's splits in ascending threshold order, closed by a sentinel (+∞ with a no-op mask), so that the
        // scan of a finite value stops on the threshold test alone.
        var byFeature = splits.GroupBy(s => s.Feature).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Threshold).ToArray());
        var ordered = new List<(int Feature, float Threshold, int Tree, bool NanRight, ulong Mask)>();
        var featureStart = new int[e.FeatureCount + 1];
        for (var f = 0; f < e.FeatureCount; f++)
        {
            featureStart[f] = ordered.Count;
            ordered.AddRange(byFeature.GetValueOrDefault(f) ?? []);
            ordered.Add((f, float.PositiveInfinity, 0, false, ulong.MaxValue));
        }

        featureStart[e.FeatureCount] = ordered.Count;

        return new QuickScorerForest(
            featureStart,
            [.. ordered.Select(s => s.Threshold)],
            [.. ordered.Select(s => s.Tree | (s.NanRight ? int.MinValue : 0))],
            [.. ordered.Select(s => s.Mask)],
            leafStart,
            [.. leafFloat],
            [.. leafDouble],
            e.TreeCount);
    }

    /// <summary>Clears, in each tree's mask, the leaves the row cannot reach.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Eliminate<T>(ReadOnlySpan<float> row, Span<T> masks, T[] table)
        where T : unmanaged, IBinaryInteger<T>
    {
        masks.Fill(T.AllBitsSet);
        ref var m = ref MemoryMarshal.GetReference(masks);
        ref var threshold = ref MemoryMarshal.GetArrayDataReference(_threshold);
        ref var tree = ref MemoryMarshal.GetArrayDataReference(_tree);
        ref var mask = ref MemoryMarshal.GetArrayDataReference(table);
        var starts = _featureStart;
        for (var f = 0; f < row.Length; f++)
        {
            var x = row[f];
            var k = starts[f];
            var end = starts[f + 1];
            if (float.IsNaN(x) || x == float.PositiveInfinity)
            {
                // NaN fails the splits whose NaN direction is right; +∞ fails every split (the sentinel is excluded).
                var nan = float.IsNaN(x);
                for (; k < end - 1; k++)
                {
                    var t = Unsafe.Add(ref tree, k);
                    if (!nan || t < 0)
                    {
                        Unsafe.Add(ref m, t & 0x7FFFFFFF) &= Unsafe.Add(ref mask, k);
                    }
                }

                continue;
            }

            for (; Unsafe.Add(ref threshold, k) <= x; k++)
            {
                Unsafe.Add(ref m, Unsafe.Add(ref tree, k) & 0x7FFFFFFF) &= Unsafe.Add(ref mask, k);
            }
        }
    }

    public float MarginFloat(ReadOnlySpan<float> row, float baseMargin, float[]? dartWeights) =>
        _mask8 is { } m8 ? MarginFloat(row, baseMargin, dartWeights, m8)
        : _mask16 is { } m16 ? MarginFloat(row, baseMargin, dartWeights, m16)
        : _mask32 is { } m32 ? MarginFloat(row, baseMargin, dartWeights, m32)
        : MarginFloat(row, baseMargin, dartWeights, _mask);

    public double SumDouble(ReadOnlySpan<float> row, double[]? treeWeights) =>
        _mask8 is { } m8 ? SumDouble(row, treeWeights, m8)
        : _mask16 is { } m16 ? SumDouble(row, treeWeights, m16)
        : _mask32 is { } m32 ? SumDouble(row, treeWeights, m32)
        : SumDouble(row, treeWeights, _mask);

    private float MarginFloat<T>(ReadOnlySpan<float> row, float baseMargin, float[]? dartWeights, T[] table)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> masks = _trees <= 1024 ? stackalloc T[_trees] : new T[_trees];
        Eliminate(row, masks, table);
        ref var leaves = ref MemoryMarshal.GetArrayDataReference(_leafFloat);
        ref var starts = ref MemoryMarshal.GetArrayDataReference(_leafStart);
        var margin = baseMargin;
        for (var t = 0; t < masks.Length; t++)
        {
            var leaf = Unsafe.Add(ref leaves, Unsafe.Add(ref starts, t) + int.CreateTruncating(T.TrailingZeroCount(masks[t])));
            margin += dartWeights is null ? leaf : ((baseMargin + leaf) - baseMargin) * dartWeights[t];
        }

        return margin;
    }

    private double SumDouble<T>(ReadOnlySpan<float> row, double[]? treeWeights, T[] table)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> masks = _trees <= 1024 ? stackalloc T[_trees] : new T[_trees];
        Eliminate(row, masks, table);
        ref var leaves = ref MemoryMarshal.GetArrayDataReference(_leafDouble);
        ref var starts = ref MemoryMarshal.GetArrayDataReference(_leafStart);
        var sum = 0.0;
        if (treeWeights is null)
        {
            // Tree order and double precision, as the node-by-node walk sums (a weight of 1 changes no bit).
            for (var t = 0; t < masks.Length; t++)
            {
                sum += Unsafe.Add(ref leaves, Unsafe.Add(ref starts, t) + int.CreateTruncating(T.TrailingZeroCount(masks[t])));
            }

            return sum;
        }

        for (var t = 0; t < masks.Length; t++)
        {
            sum += treeWeights[t] * Unsafe.Add(ref leaves, Unsafe.Add(ref starts, t) + int.CreateTruncating(T.TrailingZeroCount(masks[t])));
        }

        return sum;
    }

    public void Scores(ReadOnlySpan<float> rows, int featureCount, Span<float> margins, Span<double> doubleSums, float baseMargin, float[]? dartWeights, double[]? treeWeights)
    {
        var isDouble = !doubleSums.IsEmpty;
        for (var i = 0; i < margins.Length; i++)
        {
            var row = rows.Slice(i * featureCount, featureCount);
            if (isDouble)
            {
                doubleSums[i] = SumDouble(row, treeWeights);
            }
            else
            {
                margins[i] = MarginFloat(row, baseMargin, dartWeights);
            }
        }
    }
}
