namespace SkillInference.Engines;

/// <summary>A model that can attribute one prediction to its features (TreeSHAP for tree ensembles).</summary>
internal interface IExplainableModel
{
    /// <summary>Whether explanations are available for this model (e.g. tree covers are known).</summary>
    bool CanExplain { get; }

    /// <summary>
    /// Writes each feature's contribution to the log-odds of the positive class into <paramref name="contributions"/>
    /// (length <see cref="IScoringModel.FeatureCount"/>) and returns the bias; the contributions plus the bias equal the
    /// prediction's log-odds.
    /// </summary>
    double Explain(ReadOnlySpan<float> features, Span<double> contributions);
}
