namespace SkillInference.Inference;

/// <summary>Options of a bulk scoring call over <see cref="FeatureRows"/>.</summary>
public sealed record RowScoringOptions
{
    /// <summary>The default options: no explanations, cache bypassed.</summary>
    public static RowScoringOptions Default { get; } = new();

    /// <summary>Whether to compute each row's per-feature contributions (TreeSHAP).</summary>
    /// <value>Defaults to false.</value>
    public bool Explain { get; init; }

    /// <summary>How the result cache is used for rows that carry a student id.</summary>
    /// <value>Defaults to <see cref="CachePolicy.Bypass"/>.</value>
    public CachePolicy Cache { get; init; } = CachePolicy.Bypass;
}
