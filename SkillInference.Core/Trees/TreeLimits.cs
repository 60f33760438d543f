namespace SkillInference.Trees;

/// <summary>
/// What an imported model may hold, checked before anything of that size is allocated, and the structural check of
/// every tree: walked iteratively (no recursion a crafted file could overflow), each node reached exactly once from its
/// tree's root (a cycle or a shared child is refused, rather than walked forever or exponentially), no deeper than
/// <see cref="MaxDepth"/>, splitting only on features the model has. Far above any model this library serves (seven
/// skills of a few hundred trees of depth 6–10 and a few dozen features); see docs/security.md.
/// </summary>
internal static class TreeLimits
{
    public const int MaxTrees = 100_000;
    public const int MaxNodesPerTree = 1 << 20;
    public const long MaxTotalNodes = 20_000_000;
    public const int MaxDepth = 128;
    public const int MaxFeatures = 100_000;

    /// <summary>Refuses a count over its limit, naming what was counted.</summary>
    public static void Check(long count, long limit, string what)
    {
        if (count > limit)
        {
            throw Refused($"it declares {count} {what}; at most {limit} are accepted");
        }
    }

    /// <summary>
    /// Checks tree <paramref name="tree"/> given as child arrays, from its root; every node it reaches must lie in
    /// [<paramref name="first"/>, <paramref name="end"/>). Returns its depth.
    /// </summary>
    public static int CheckTree(int tree, int root, int first, int end, ReadOnlySpan<int> left, ReadOnlySpan<int> right, Func<int, bool> isLeaf, Func<int, int> feature, int featureCount)
    {
        var seen = new bool[end - first];
        var stack = new Stack<(int Node, int Depth)>();
        stack.Push((root, 0));
        var maxDepth = 0;
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (node < first || node >= end)
            {
                throw Refused($"tree {tree} has a child outside the tree (node {node})");
            }

            if (seen[node - first])
            {
                throw Refused($"tree {tree} reaches node {node - first} twice (a cycle, or children shared between nodes)");
            }

            seen[node - first] = true;
            if (depth > MaxDepth)
            {
                throw Refused($"tree {tree} is deeper than {MaxDepth} levels");
            }

            maxDepth = Math.Max(maxDepth, depth);
            if (isLeaf(node))
            {
                continue;
            }

            var f = feature(node);
            if (f < 0 || f >= featureCount)
            {
                throw Refused($"tree {tree} node {node - first} splits on feature {f}, outside the model's {featureCount} features");
            }

            stack.Push((right[node], depth + 1));
            stack.Push((left[node], depth + 1));
        }

        return maxDepth;
    }

    /// <summary>Checks every tree of a compiled ensemble (a tree's nodes run from its root to the next tree's).</summary>
    public static void CheckEnsemble(TreeEnsemble ensemble)
    {
        for (var t = 0; t < ensemble.TreeCount; t++)
        {
            var end = t + 1 < ensemble.TreeCount ? ensemble.Roots[t + 1] : ensemble.NodeCount;
            CheckTree(t, ensemble.Roots[t], ensemble.Roots[t], end, ensemble.Left, ensemble.Right, n => ensemble.Feature[n] < 0, n => ensemble.Feature[n], ensemble.FeatureCount);
        }
    }

    private static ModelImportException Refused(string why) => new(ModelImportErrorKind.Malformed, $"The model's trees are refused: {why}.");
}
