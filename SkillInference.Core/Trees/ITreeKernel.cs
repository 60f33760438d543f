namespace SkillInference.Trees;

/// <summary>
/// A layout of a <see cref="TreeEnsemble"/> that computes raw scores exactly as the node-by-node walk does: XGBoost
/// margins in float32 (leaves added in tree order from the base margin; dart-weighted when weights are given) and
/// FastTree sums in double (weighted leaves in tree order).
/// </summary>
internal interface ITreeKernel
{
    /// <summary>The kernel's name, for benchmarks and diagnostics.</summary>
    string Name { get; }

    float MarginFloat(ReadOnlySpan<float> row, float baseMargin, float[]? dartWeights);

    double SumDouble(ReadOnlySpan<float> row, double[]? treeWeights);

    /// <summary>
    /// Raw scores of many rows (row-major). XGBoost: float32 margins into <paramref name="margins"/>; FastTree
    /// (<paramref name="doubleSums"/> not empty): double sums into it.
    /// </summary>
    void Scores(ReadOnlySpan<float> rows, int featureCount, Span<float> margins, Span<double> doubleSums, float baseMargin, float[]? dartWeights, double[]? treeWeights);
}
