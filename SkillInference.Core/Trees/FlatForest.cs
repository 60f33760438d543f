using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkillInference.Trees;

/// <summary>
/// The fast layout of a <see cref="TreeEnsemble"/> for branch-free descent. Each node stores its split (feature,
/// threshold, NaN direction) and its two children side by side, so one step is <c>n = child[2n + right]</c> where
/// <c>right</c> comes from comparisons, not jumps; a leaf is its own child on both sides, so a row that reached it stays
/// there. Each tree is descended exactly its depth times, so the branch predictor never guesses a path. Several trees
/// (one row) or several rows (one tree) descend together, overlapping the latency of their independent chains.
/// </summary>
/// <remarks>
/// Both libraries' split rules become one: XGBoost goes right when <c>!(x &lt; t)</c>, except that NaN follows the
/// node's default direction; FastTree goes left when <c>x &lt;= t</c> — for floats that is <c>x &lt; t⁺</c>, t⁺ being the
/// next float above t — and sends NaN right. So a node goes right when <c>x &gt;= t</c>, or when x is NaN and its NaN
/// direction is right. Leaf values are added in tree order and in the source library's precision, so every result is
/// bit-identical to the node-by-node walk.
/// </remarks>
internal sealed class FlatForest : ITreeKernel
{
    public string Name => "self-loop";

    private const int NanRightBit = unchecked((int)0x80000000);

    private readonly Node[] _nodes;
    private readonly float[] _leafFloat;
    private readonly double[] _leafDouble;
    private readonly int[] _root;
    private readonly int[] _depth;

    private FlatForest(Node[] nodes, float[] leafFloat, double[] leafDouble, int[] root, int[] depth)
    {
        _nodes = nodes;
        _leafFloat = leafFloat;
        _leafDouble = leafDouble;
        _root = root;
        _depth = depth;
    }

    public int TreeCount => _root.Length;

    /// <summary>The deepest tree's depth.</summary>
    public int MaxDepth => _depth.Length == 0 ? 0 : _depth.Max();

    public static FlatForest Build(TreeEnsemble e)
    {
        var n = e.NodeCount;
        var nodes = new Node[n];
        var leafFloat = new float[n];
        var leafDouble = new double[n];
        for (var node = 0; node < n; node++)
        {
            if (e.Feature[node] < 0)
            {
                nodes[node] = new Node(0, 0, node, node);
                leafFloat[node] = e.Value[node];
                leafDouble[node] = e.LeafDouble?[node] ?? e.Value[node];
                continue;
            }

            // FastTree: x <= t  <=>  x < nextUp(t) for every non-NaN float, and NaN goes right.
            var fastTree = e.Semantics == TreeSemantics.FastTree;
            var threshold = fastTree ? MathF.BitIncrement(e.Threshold[node]) : e.Threshold[node];
            var nanRight = fastTree || !e.DefaultLeft[node];
            nodes[node] = new Node(e.Feature[node] | (nanRight ? NanRightBit : 0), threshold, e.Left[node], e.Right[node]);
        }

        var depth = e.Roots.Select(r => DepthOf(e, r)).ToArray();
        return new FlatForest(nodes, leafFloat, leafDouble, [.. e.Roots], depth);
    }

    private static int DepthOf(TreeEnsemble e, int node)
    {
        // Iterative (lossguide trees can be deep).
        var max = 0;
        var stack = new Stack<(int Node, int Depth)>();
        stack.Push((node, 0));
        while (stack.Count > 0)
        {
            var (n, d) = stack.Pop();
            if (e.Feature[n] < 0)
            {
                max = Math.Max(max, d);
                continue;
            }

            stack.Push((e.Left[n], d + 1));
            stack.Push((e.Right[n], d + 1));
        }

        return max;
    }

    /// <summary>One branch-free step from node n (a leaf steps to itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref Node nodes, ref float row, int n)
    {
        ref var node = ref Unsafe.Add(ref nodes, n);
        var x = Unsafe.Add(ref row, node.Feature & 0x7FFFFFFF);
        // (x >= t) is false for NaN; then NaN goes right only when the node says so (the sign bit).
        var right = (x >= node.Threshold ? 1 : 0) | ((float.IsNaN(x) ? 1 : 0) & (int)((uint)node.Feature >> 31));
        return node.Left + ((node.Right - node.Left) & -right);
    }

    /// <summary>The leaf a row reaches in tree t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Leaf(ref float row, int t)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        var n = _root[t];
        for (var d = _depth[t]; d > 0; d--)
        {
            n = Step(ref nodes, ref row, n);
        }

        return n;
    }

    /// <summary>
    /// Four trees descend together until all four are at leaves (a step that changes none of them ends it): no
    /// mispredicted branch per node, and short paths do not pay for the deepest one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Descend4(ref Node nodes, ref float row, ref int n0, ref int n1, ref int n2, ref int n3)
    {
        while (true)
        {
            var m0 = Step(ref nodes, ref row, n0);
            var m1 = Step(ref nodes, ref row, n1);
            var m2 = Step(ref nodes, ref row, n2);
            var m3 = Step(ref nodes, ref row, n3);
            if (((m0 ^ n0) | (m1 ^ n1) | (m2 ^ n2) | (m3 ^ n3)) == 0)
            {
                return;
            }

            n0 = m0;
            n1 = m1;
            n2 = m2;
            n3 = m3;
        }
    }

    /// <summary>XGBoost margin of one row: base + leaves in tree order, in float32 (dart: weighted as XGBoost does).</summary>
    public float MarginFloat(ReadOnlySpan<float> row, float baseMargin, float[]? dartWeights)
    {
        ref var r = ref Unsafe.AsRef(in row[0]);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        var margin = baseMargin;
        var t = 0;

        // Four trees at a time: four independent descents overlap their load latencies.
        for (; t + 4 <= TreeCount; t += 4)
        {
            int n0 = _root[t], n1 = _root[t + 1], n2 = _root[t + 2], n3 = _root[t + 3];
            Descend4(ref nodes, ref r, ref n0, ref n1, ref n2, ref n3);

            if (dartWeights is null)
            {
                margin += _leafFloat[n0];
                margin += _leafFloat[n1];
                margin += _leafFloat[n2];
                margin += _leafFloat[n3];
            }
            else
            {
                margin += ((baseMargin + _leafFloat[n0]) - baseMargin) * dartWeights[t];
                margin += ((baseMargin + _leafFloat[n1]) - baseMargin) * dartWeights[t + 1];
                margin += ((baseMargin + _leafFloat[n2]) - baseMargin) * dartWeights[t + 2];
                margin += ((baseMargin + _leafFloat[n3]) - baseMargin) * dartWeights[t + 3];
            }
        }

        for (; t < TreeCount; t++)
        {
            var l = _leafFloat[Leaf(ref r, t)];
            margin += dartWeights is null ? l : ((baseMargin + l) - baseMargin) * dartWeights[t];
        }

        return margin;
    }

    /// <summary>FastTree raw score of one row: leaves × tree weights summed in double, in tree order.</summary>
    public double SumDouble(ReadOnlySpan<float> row, double[]? treeWeights)
    {
        ref var r = ref Unsafe.AsRef(in row[0]);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        var sum = 0.0;
        var t = 0;
        for (; t + 4 <= TreeCount; t += 4)
        {
            int n0 = _root[t], n1 = _root[t + 1], n2 = _root[t + 2], n3 = _root[t + 3];
            Descend4(ref nodes, ref r, ref n0, ref n1, ref n2, ref n3);

            sum += (treeWeights?[t] ?? 1.0) * _leafDouble[n0];
            sum += (treeWeights?[t + 1] ?? 1.0) * _leafDouble[n1];
            sum += (treeWeights?[t + 2] ?? 1.0) * _leafDouble[n2];
            sum += (treeWeights?[t + 3] ?? 1.0) * _leafDouble[n3];
        }

        for (; t < TreeCount; t++)
        {
            sum += (treeWeights?[t] ?? 1.0) * _leafDouble[Leaf(ref r, t)];
        }

        return sum;
    }

    /// <summary>
    /// Raw scores of many rows (row-major, <paramref name="featureCount"/> wide): a block of rows descends each tree
    /// together — independent chains, with the tree in cache — and each row adds its trees in order.
    /// XGBoost: float32 margins from the base (dart-weighted when <paramref name="dartWeights"/> is set);
    /// FastTree (<paramref name="doubleSums"/> not empty): double sums of weighted leaves.
    /// </summary>
    public void Scores(ReadOnlySpan<float> rows, int featureCount, Span<float> margins, Span<double> doubleSums, float baseMargin, float[]? dartWeights, double[]? treeWeights)
    {
        const int Block = 8;
        var count = margins.Length;
        var isDouble = !doubleSums.IsEmpty;
        if (isDouble)
        {
            doubleSums.Clear();
        }
        else
        {
            margins.Fill(baseMargin);
        }

        Span<int> node = stackalloc int[Block];
        ref var first = ref Unsafe.AsRef(in rows[0]);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        for (var start = 0; start < count; start += Block)
        {
            var n = Math.Min(Block, count - start);
            for (var t = 0; t < TreeCount; t++)
            {
                node[..n].Fill(_root[t]);
                int changed;
                do
                {
                    changed = 0;
                    for (var k = 0; k < n; k++)
                    {
                        var m = Step(ref nodes, ref Unsafe.Add(ref first, (start + k) * featureCount), node[k]);
                        changed |= m ^ node[k];
                        node[k] = m;
                    }
                }
                while (changed != 0);

                if (isDouble)
                {
                    var w = treeWeights?[t] ?? 1.0;
                    for (var k = 0; k < n; k++)
                    {
                        doubleSums[start + k] += w * _leafDouble[node[k]];
                    }
                }
                else if (dartWeights is null)
                {
                    for (var k = 0; k < n; k++)
                    {
                        margins[start + k] += _leafFloat[node[k]];
                    }
                }
                else
                {
                    var w = dartWeights[t];
                    for (var k = 0; k < n; k++)
                    {
                        margins[start + k] += ((baseMargin + _leafFloat[node[k]]) - baseMargin) * w;
                    }
                }
            }
        }
    }

    /// <summary>A node: its split (feature with the NaN-goes-right bit, threshold) and children; a leaf points at itself.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Node(int feature, float threshold, int left, int right)
    {
        public readonly int Feature = feature;
        public readonly float Threshold = threshold;
        public readonly int Left = left;
        public readonly int Right = right;
    }
}
