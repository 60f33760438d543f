namespace SkillInference.Trees;

/// <summary>How a source library evaluates its trees; the compiled evaluator reproduces each exactly.</summary>
internal enum TreeSemantics
{
    /// <summary>
    /// XGBoost: go left when <c>x &lt; threshold</c> (float32 compare); NaN follows the node's default direction; the
    /// margin starts at the float32 base margin and each tree's leaf is added in float32, in order (dart: each tree
    /// adds <c>((base + leaf) - base) * weight</c>); probability = float32 sigmoid.
    /// </summary>
    XGBoost,

    /// <summary>
    /// ML.NET FastTree: go left when <c>x &lt;= threshold</c> (NaN goes right); leaves times tree weights are summed in
    /// double, the bias added, the sum cast to float; probability = Platt <c>1 / (1 + exp(slope * s + offset))</c> in double.
    /// </summary>
    FastTree,
}
