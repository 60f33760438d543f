namespace SkillInference.Trees;

/// <summary>
/// A tree ensemble compiled into flat arrays (all trees' nodes concatenated), evaluated without allocation.
/// Node <c>n</c> is a leaf when <c>Feature[n] &lt; 0</c>; then <c>Value[n]</c> is its output. Otherwise it splits on
/// <c>Feature[n]</c> at <c>Threshold[n]</c> to <c>Left[n]</c> / <c>Right[n]</c> (absolute indices), sending NaN left when
/// <c>DefaultLeft[n]</c>. <c>Cover[n]</c> is the training weight reaching the node (for TreeSHAP), when known.
/// </summary>
internal sealed class TreeEnsemble
{
    public required TreeSemantics Semantics { get; init; }

    public required int FeatureCount { get; init; }

    /// <summary>The root node of each tree.</summary>
    public required int[] Roots { get; init; }

    public required int[] Feature { get; init; }

    public required float[] Threshold { get; init; }

    public required int[] Left { get; init; }

    public required int[] Right { get; init; }

    public required bool[] DefaultLeft { get; init; }

    /// <summary>Leaf outputs (XGBoost: float32 values; FastTree: doubles stored here as double in <see cref="LeafDouble"/>).</summary>
    public required float[] Value { get; init; }

    /// <summary>FastTree leaf outputs in double precision (null for XGBoost).</summary>
    public double[]? LeafDouble { get; init; }

    /// <summary>Per-tree weights (dart, FastTree); null means 1 for every tree.</summary>
    public float[]? TreeWeights { get; init; }

    /// <summary>FastTree tree weights in double precision.</summary>
    public double[]? TreeWeightsDouble { get; init; }

    /// <summary>Training cover per node (XGBoost: sum of hessians; FastTree: training rows); null when unknown.</summary>
    public double[]? Cover { get; init; }

    /// <summary>XGBoost: the float32 base margin. FastTree: the ensemble bias.</summary>
    public double BaseMargin { get; init; }

    /// <summary>Whether dart weighting applies (XGBoost).</summary>
    public bool Dart { get; init; }

    /// <summary>FastTree's Platt calibrator.</summary>
    public double PlattSlope { get; init; }

    /// <summary>FastTree's Platt calibrator.</summary>
    public double PlattOffset { get; init; }

    /// <summary>Global gain importance per feature, normalized to sum to 1 (all zeros when the source has no gains).</summary>
    public required double[] GainImportance { get; init; }

    public int TreeCount => Roots.Length;

    public int NodeCount => Feature.Length;

    /// <summary>The leaf a row reaches in a tree.</summary>
    public int Leaf(int tree, ReadOnlySpan<float> row)
    {
        var node = Roots[tree];
        if (Semantics == TreeSemantics.XGBoost)
        {
            while (Feature[node] >= 0)
            {
                var x = row[Feature[node]];
                node = float.IsNaN(x) ? (DefaultLeft[node] ? Left[node] : Right[node]) : x < Threshold[node] ? Left[node] : Right[node];
            }
        }
        else
        {
            while (Feature[node] >= 0)
            {
                node = row[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
            }
        }

        return node;
    }

    /// <summary>The raw score: XGBoost's margin (float32 arithmetic), FastTree's pre-calibration score (double sum cast to float).</summary>
    public float Margin(ReadOnlySpan<float> row)
    {
        if (Semantics == TreeSemantics.XGBoost)
        {
            var b = (float)BaseMargin;
            var margin = b;
            if (Dart)
            {
                var weights = TreeWeights!;
                for (var t = 0; t < Roots.Length; t++)
                {
                    margin += ((b + Value[Leaf(t, row)]) - b) * weights[t];
                }
            }
            else
            {
                for (var t = 0; t < Roots.Length; t++)
                {
                    margin += Value[Leaf(t, row)];
                }
            }

            return margin;
        }

        var sum = 0.0;
        var leaves = LeafDouble!;
        var treeWeights = TreeWeightsDouble;
        for (var t = 0; t < Roots.Length; t++)
        {
            sum += (treeWeights?[t] ?? 1.0) * leaves[Leaf(t, row)];
        }

        return (float)(sum + BaseMargin);
    }

    /// <summary>The probability of the positive class.</summary>
    public float Predict(ReadOnlySpan<float> row) => Probability(Margin(row));

    /// <summary>Turns a raw score into a probability by the source library's own transform.</summary>
    public float Probability(float margin)
    {
        if (Semantics == TreeSemantics.XGBoost)
        {
            // xgboost::common::Sigmoid: 1 / (1 + exp(-x)) in float32, with -x capped to avoid overflow.
            var t = MathF.Min(-margin, 88.7f);
            return 1.0f / (MathF.Exp(t) + 1.0f);
        }

        return (float)(1.0 / (1.0 + Math.Exp((PlattSlope * margin) + PlattOffset)));
    }
}
