using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkillInference.Trees;

/// <summary>
/// Balanced (XGBoost-style, depth-limited) ensembles as complete binary trees in heap order: node i's children are
/// 2i+1 and 2i+2, so a descent computes its next index instead of loading it, and every tree is descended exactly D
/// levels — no branch depends on the data. A leaf above the bottom is replicated into every bottom slot under it
/// (the padding nodes' splits then do not matter).
/// </summary>
/// <remarks>
/// <para>
/// Two copies of the nodes serve the two shapes of work. One row: trees go in groups of eight whose nodes are
/// interleaved (tree k's heap node i at 8i + k), so eight independent descents address their nodes from one base.
/// Many rows: trees are stored one after another and eight rows descend each tree together, their features
/// interleaved (feature f of row k at 8f + k), again from one base; each row keeps its running sum in a register.
/// </para>
/// <para>
/// The NaN rule costs nothing per node: a row is widened once into [NaN as -∞ | NaN as +∞], and a node reads its
/// feature from the half that matches its NaN direction, so <c>x &gt;= t</c> alone decides (non-NaN values are
/// identical in both halves; -∞ goes left and +∞ right of every finite threshold, as NaN must). The split rule and the
/// summation order are otherwise those of <see cref="FlatForest"/>, so results are bit-identical to the node walk.
/// </para>
/// </remarks>
internal sealed class HeapForest : ITreeKernel
{
    /// <summary>Deeper ensembles use another kernel (a complete tree of depth D has 2^D leaves).</summary>
    public const int MaxDepth = 8;

    private const int Lanes = 8;
    private readonly Node[] _treeNodes;     // tree t's heap node i at t * nodesPerTree + i
    private readonly float[] _treeLeafFloat;
    private readonly double[] _treeLeafDouble;
    private readonly Node[] _groupNodes;    // group g, tree k, heap node i at g * 8 * nodesPerTree + 8i + k
    private readonly float[] _groupLeafFloat;
    private readonly double[] _groupLeafDouble;
    private readonly int _depth;
    private readonly int _trees;
    private readonly int _groups;
    private readonly int _nodesPerTree;
    private readonly int _leavesPerTree;
    private readonly int _features;

    private HeapForest(TreeEnsemble e, int depth)
    {
        _depth = depth;
        _trees = e.TreeCount;
        _groups = e.TreeCount / Lanes;
        _features = e.FeatureCount;
        _nodesPerTree = (1 << depth) - 1;
        _leavesPerTree = 1 << depth;
        _treeNodes = new Node[_trees * _nodesPerTree];
        _treeLeafFloat = new float[_trees * _leavesPerTree];
        _treeLeafDouble = new double[_trees * _leavesPerTree];
        for (var t = 0; t < _trees; t++)
        {
            Fill(e, e.Roots[t], 0, 0, t * _nodesPerTree, t * _leavesPerTree);
        }

        _groupNodes = new Node[_groups * Lanes * _nodesPerTree];
        _groupLeafFloat = new float[_groups * Lanes * _leavesPerTree];
        _groupLeafDouble = new double[_groups * Lanes * _leavesPerTree];
        for (var t = 0; t < _groups * Lanes; t++)
        {
            var (g, k) = (t / Lanes, t % Lanes);
            for (var i = 0; i < _nodesPerTree; i++)
            {
                _groupNodes[(g * Lanes * _nodesPerTree) + (Lanes * i) + k] = _treeNodes[(t * _nodesPerTree) + i];
            }

            for (var s = 0; s < _leavesPerTree; s++)
            {
                _groupLeafFloat[(g * Lanes * _leavesPerTree) + (Lanes * s) + k] = _treeLeafFloat[(t * _leavesPerTree) + s];
                _groupLeafDouble[(g * Lanes * _leavesPerTree) + (Lanes * s) + k] = _treeLeafDouble[(t * _leavesPerTree) + s];
            }
        }
    }

    public string Name => "heap";

    public int Depth => _depth;

    /// <summary>Builds the layout, or returns null when a tree is deeper than <paramref name="maxDepth"/>.</summary>
    public static HeapForest? TryBuild(TreeEnsemble e, int maxDepth = MaxDepth)
    {
        var depth = 1;
        foreach (var root in e.Roots)
        {
            var d = DepthOf(e, root, 0, maxDepth + 1);
            if (d > maxDepth)
            {
                return null;
            }

            depth = Math.Max(depth, d);
        }

        return new HeapForest(e, depth);
    }

    /// <summary>The deepest tree's depth (levels of splits).</summary>
    internal static int DepthOf(TreeEnsemble e)
    {
        var depth = 0;
        foreach (var root in e.Roots)
        {
            depth = Math.Max(depth, DepthOf(e, root, 0, int.MaxValue));
        }

        return depth;
    }

    private static int DepthOf(TreeEnsemble e, int node, int level, int limit) =>
        e.Feature[node] < 0 || level >= limit ? level : Math.Max(DepthOf(e, e.Left[node], level + 1, limit), DepthOf(e, e.Right[node], level + 1, limit));

    private void Fill(TreeEnsemble e, int node, int heap, int level, int nodeOffset, int leafOffset)
    {
        if (level == _depth)
        {
            var slot = leafOffset + heap - _nodesPerTree;
            _treeLeafFloat[slot] = e.Value[node];
            _treeLeafDouble[slot] = e.LeafDouble?[node] ?? e.Value[node];
            return;
        }

        if (e.Feature[node] < 0)
        {
            // A leaf above the bottom: a padding node whose both subtrees end in this same leaf.
            _treeNodes[nodeOffset + heap] = default;
            Fill(e, node, (2 * heap) + 1, level + 1, nodeOffset, leafOffset);
            Fill(e, node, (2 * heap) + 2, level + 1, nodeOffset, leafOffset);
            return;
        }

        // FastTree: x <= t  <=>  x < nextUp(t) for every non-NaN float, and NaN goes right.
        var fastTree = e.Semantics == TreeSemantics.FastTree;
        var threshold = fastTree ? MathF.BitIncrement(e.Threshold[node]) : e.Threshold[node];
        var nanRight = fastTree || !e.DefaultLeft[node];
        _treeNodes[nodeOffset + heap] = new Node(e.Feature[node] + (nanRight ? e.FeatureCount : 0), threshold);
        Fill(e, e.Left[node], (2 * heap) + 1, level + 1, nodeOffset, leafOffset);
        Fill(e, e.Right[node], (2 * heap) + 2, level + 1, nodeOffset, leafOffset);
    }

    /// <summary>Writes [row, NaN as -∞ | row, NaN as +∞] into <paramref name="wide"/> (2 × features).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ReadOnlySpan<float> row, Span<float> wide)
    {
        var n = row.Length;
        for (var f = 0; f < n; f++)
        {
            var x = row[f];
            var nan = float.IsNaN(x);
            wide[f] = nan ? float.NegativeInfinity : x;
            wide[n + f] = nan ? float.PositiveInfinity : x;
        }
    }

    /// <summary>One level of tree k of a group (interleaved nodes), one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Next(ref Node group, int k, ref float wide, int i)
    {
        ref var node = ref Unsafe.Add(ref group, (Lanes * i) + k);
        return (2 * i) + 1 + (Unsafe.Add(ref wide, node.Feature) >= node.Threshold ? 1 : 0);
    }

    /// <summary>One level of a tree (contiguous nodes) for lane k of a block of rows (interleaved features).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextLane(ref Node tree, ref float block, int k, int i)
    {
        ref var node = ref Unsafe.Add(ref tree, i);
        return (2 * i) + 1 + (Unsafe.Add(ref block, (Lanes * node.Feature) + k) >= node.Threshold ? 1 : 0);
    }

    /// <summary>The bottom slot a (widened) row reaches in tree t, through the contiguous nodes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ref float wide, int t)
    {
        ref var tree = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_treeNodes), t * _nodesPerTree);
        var i = 0;
        for (var d = 0; d < _depth; d++)
        {
            ref var node = ref Unsafe.Add(ref tree, i);
            i = (2 * i) + 1 + (Unsafe.Add(ref wide, node.Feature) >= node.Threshold ? 1 : 0);
        }

        return i - _nodesPerTree;
    }

    public float MarginFloat(ReadOnlySpan<float> row, float baseMargin, float[]? dartWeights)
    {
        Span<float> wideSpan = _features <= 256 ? stackalloc float[2 * _features] : new float[2 * _features];
        Widen(row[.._features], wideSpan);
        ref var wide = ref MemoryMarshal.GetReference(wideSpan);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_groupNodes);
        ref var leaves = ref MemoryMarshal.GetArrayDataReference(_groupLeafFloat);
        var groupNodes = Lanes * _nodesPerTree;
        var groupLeaves = Lanes * _leavesPerTree;
        var margin = baseMargin;
        for (var g = 0; g < _groups; g++)
        {
            ref var group = ref Unsafe.Add(ref nodes, g * groupNodes);
            int i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
            for (var d = 0; d < _depth; d++)
            {
                i0 = Next(ref group, 0, ref wide, i0);
                i1 = Next(ref group, 1, ref wide, i1);
                i2 = Next(ref group, 2, ref wide, i2);
                i3 = Next(ref group, 3, ref wide, i3);
                i4 = Next(ref group, 4, ref wide, i4);
                i5 = Next(ref group, 5, ref wide, i5);
                i6 = Next(ref group, 6, ref wide, i6);
                i7 = Next(ref group, 7, ref wide, i7);
            }

            // Slot s of tree k is at 8s + k; the heap index i of a bottom node is s + nodesPerTree.
            ref var l = ref Unsafe.Add(ref leaves, (g * groupLeaves) - (Lanes * _nodesPerTree));
            var v0 = Unsafe.Add(ref l, Lanes * i0);
            var v1 = Unsafe.Add(ref l, (Lanes * i1) + 1);
            var v2 = Unsafe.Add(ref l, (Lanes * i2) + 2);
            var v3 = Unsafe.Add(ref l, (Lanes * i3) + 3);
            var v4 = Unsafe.Add(ref l, (Lanes * i4) + 4);
            var v5 = Unsafe.Add(ref l, (Lanes * i5) + 5);
            var v6 = Unsafe.Add(ref l, (Lanes * i6) + 6);
            var v7 = Unsafe.Add(ref l, (Lanes * i7) + 7);
            if (dartWeights is null)
            {
                margin += v0;
                margin += v1;
                margin += v2;
                margin += v3;
                margin += v4;
                margin += v5;
                margin += v6;
                margin += v7;
            }
            else
            {
                var t = g * Lanes;
                margin += ((baseMargin + v0) - baseMargin) * dartWeights[t];
                margin += ((baseMargin + v1) - baseMargin) * dartWeights[t + 1];
                margin += ((baseMargin + v2) - baseMargin) * dartWeights[t + 2];
                margin += ((baseMargin + v3) - baseMargin) * dartWeights[t + 3];
                margin += ((baseMargin + v4) - baseMargin) * dartWeights[t + 4];
                margin += ((baseMargin + v5) - baseMargin) * dartWeights[t + 5];
                margin += ((baseMargin + v6) - baseMargin) * dartWeights[t + 6];
                margin += ((baseMargin + v7) - baseMargin) * dartWeights[t + 7];
            }
        }

        for (var t = _groups * Lanes; t < _trees; t++)
        {
            var leaf = _treeLeafFloat[(t * _leavesPerTree) + Slot(ref wide, t)];
            margin += dartWeights is null ? leaf : ((baseMargin + leaf) - baseMargin) * dartWeights[t];
        }

        return margin;
    }

    public double SumDouble(ReadOnlySpan<float> row, double[]? treeWeights)
    {
        Span<float> wideSpan = _features <= 256 ? stackalloc float[2 * _features] : new float[2 * _features];
        Widen(row[.._features], wideSpan);
        ref var wide = ref MemoryMarshal.GetReference(wideSpan);
        var sum = 0.0;
        for (var t = 0; t < _trees; t++)
        {
            sum += (treeWeights?[t] ?? 1.0) * _treeLeafDouble[(t * _leavesPerTree) + Slot(ref wide, t)];
        }

        return sum;
    }

    public void Scores(ReadOnlySpan<float> rows, int featureCount, Span<float> margins, Span<double> doubleSums, float baseMargin, float[]? dartWeights, double[]? treeWeights)
    {
        var count = margins.Length;
        var isDouble = !doubleSums.IsEmpty;
        var blockLength = Lanes * 2 * featureCount;
        var rented = ArrayPool<float>.Shared.Rent(blockLength);
        var block = rented.AsSpan(0, blockLength);
        Span<float> wide = featureCount <= 256 ? stackalloc float[2 * featureCount] : new float[2 * featureCount];
        ref var b = ref MemoryMarshal.GetReference(block);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_treeNodes);
        ref var leafFloat = ref MemoryMarshal.GetArrayDataReference(_treeLeafFloat);
        ref var leafDouble = ref MemoryMarshal.GetArrayDataReference(_treeLeafDouble);
        var np = _nodesPerTree;
        var lp = _leavesPerTree;
        var start = 0;
        try
        {
            for (; start + Lanes <= count; start += Lanes)
            {
                // Interleave the block's widened rows: feature f of row k at 8f + k.
                for (var k = 0; k < Lanes; k++)
                {
                    Widen(rows.Slice((start + k) * featureCount, featureCount), wide);
                    for (var f = 0; f < wide.Length; f++)
                    {
                        block[(Lanes * f) + k] = wide[f];
                    }
                }

                if (isDouble)
                {
                    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
                    for (var t = 0; t < _trees; t++)
                    {
                        ref var tree = ref Unsafe.Add(ref nodes, t * np);
                        int i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
                        for (var d = 0; d < _depth; d++)
                        {
                            i0 = NextLane(ref tree, ref b, 0, i0);
                            i1 = NextLane(ref tree, ref b, 1, i1);
                            i2 = NextLane(ref tree, ref b, 2, i2);
                            i3 = NextLane(ref tree, ref b, 3, i3);
                            i4 = NextLane(ref tree, ref b, 4, i4);
                            i5 = NextLane(ref tree, ref b, 5, i5);
                            i6 = NextLane(ref tree, ref b, 6, i6);
                            i7 = NextLane(ref tree, ref b, 7, i7);
                        }

                        ref var l = ref Unsafe.Add(ref leafDouble, (t * lp) - np);
                        var w = treeWeights?[t] ?? 1.0;
                        s0 += w * Unsafe.Add(ref l, i0);
                        s1 += w * Unsafe.Add(ref l, i1);
                        s2 += w * Unsafe.Add(ref l, i2);
                        s3 += w * Unsafe.Add(ref l, i3);
                        s4 += w * Unsafe.Add(ref l, i4);
                        s5 += w * Unsafe.Add(ref l, i5);
                        s6 += w * Unsafe.Add(ref l, i6);
                        s7 += w * Unsafe.Add(ref l, i7);
                    }

                    doubleSums[start] = s0;
                    doubleSums[start + 1] = s1;
                    doubleSums[start + 2] = s2;
                    doubleSums[start + 3] = s3;
                    doubleSums[start + 4] = s4;
                    doubleSums[start + 5] = s5;
                    doubleSums[start + 6] = s6;
                    doubleSums[start + 7] = s7;
                }
                else
                {
                    float m0 = baseMargin, m1 = baseMargin, m2 = baseMargin, m3 = baseMargin, m4 = baseMargin, m5 = baseMargin, m6 = baseMargin, m7 = baseMargin;
                    for (var t = 0; t < _trees; t++)
                    {
                        ref var tree = ref Unsafe.Add(ref nodes, t * np);
                        int i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
                        for (var d = 0; d < _depth; d++)
                        {
                            i0 = NextLane(ref tree, ref b, 0, i0);
                            i1 = NextLane(ref tree, ref b, 1, i1);
                            i2 = NextLane(ref tree, ref b, 2, i2);
                            i3 = NextLane(ref tree, ref b, 3, i3);
                            i4 = NextLane(ref tree, ref b, 4, i4);
                            i5 = NextLane(ref tree, ref b, 5, i5);
                            i6 = NextLane(ref tree, ref b, 6, i6);
                            i7 = NextLane(ref tree, ref b, 7, i7);
                        }

                        ref var l = ref Unsafe.Add(ref leafFloat, (t * lp) - np);
                        if (dartWeights is null)
                        {
                            m0 += Unsafe.Add(ref l, i0);
                            m1 += Unsafe.Add(ref l, i1);
                            m2 += Unsafe.Add(ref l, i2);
                            m3 += Unsafe.Add(ref l, i3);
                            m4 += Unsafe.Add(ref l, i4);
                            m5 += Unsafe.Add(ref l, i5);
                            m6 += Unsafe.Add(ref l, i6);
                            m7 += Unsafe.Add(ref l, i7);
                        }
                        else
                        {
                            var dw = dartWeights[t];
                            m0 += ((baseMargin + Unsafe.Add(ref l, i0)) - baseMargin) * dw;
                            m1 += ((baseMargin + Unsafe.Add(ref l, i1)) - baseMargin) * dw;
                            m2 += ((baseMargin + Unsafe.Add(ref l, i2)) - baseMargin) * dw;
                            m3 += ((baseMargin + Unsafe.Add(ref l, i3)) - baseMargin) * dw;
                            m4 += ((baseMargin + Unsafe.Add(ref l, i4)) - baseMargin) * dw;
                            m5 += ((baseMargin + Unsafe.Add(ref l, i5)) - baseMargin) * dw;
                            m6 += ((baseMargin + Unsafe.Add(ref l, i6)) - baseMargin) * dw;
                            m7 += ((baseMargin + Unsafe.Add(ref l, i7)) - baseMargin) * dw;
                        }
                    }

                    margins[start] = m0;
                    margins[start + 1] = m1;
                    margins[start + 2] = m2;
                    margins[start + 3] = m3;
                    margins[start + 4] = m4;
                    margins[start + 5] = m5;
                    margins[start + 6] = m6;
                    margins[start + 7] = m7;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        // The last rows one by one.
        for (; start < count; start++)
        {
            var row = rows.Slice(start * featureCount, featureCount);
            if (isDouble)
            {
                doubleSums[start] = SumDouble(row, treeWeights);
            }
            else
            {
                margins[start] = MarginFloat(row, baseMargin, dartWeights);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Node(int feature, float threshold)
    {
        /// <summary>The feature's index in the widened row: f, or features + f when NaN goes right.</summary>
        public readonly int Feature = feature;
        public readonly float Threshold = threshold;
    }
}
