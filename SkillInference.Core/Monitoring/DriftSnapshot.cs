namespace SkillInference.Monitoring;

/// <summary>Drift and latency of one skill and version over the rolling window.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version.</param>
/// <param name="N">Rows scored in the window.</param>
/// <param name="ScorePsi">PSI of the live scores against the reference score histogram.</param>
/// <param name="ScoreJensenShannon">Jensen–Shannon divergence of the scores.</param>
/// <param name="Features">Each referenced feature's drift, highest PSI first.</param>
/// <param name="State"><c>ok</c>, <c>watch</c>, <c>alert</c>, or <c>insufficient_data</c> below the minimum sample.</param>
/// <param name="ScoreCounts">The live score histogram.</param>
/// <param name="ReferenceCounts">The reference score histogram.</param>
/// <param name="ScoreEdges">Their bin edges.</param>
/// <param name="LatencyP50">The median scoring time of a request's group, in seconds (a bin's upper bound).</param>
/// <param name="LatencyP99">The 99th percentile, in seconds (a bin's upper bound).</param>
/// <param name="Requests">Scored groups (requests) in the window.</param>
/// <param name="Cached">Items answered from the cache in the window (not in <paramref name="N"/>).</param>
/// <param name="Series">The window's buckets, oldest first.</param>
internal sealed record DriftSnapshot(
    string Skill,
    string ModelVersion,
    long N,
    double? ScorePsi,
    double? ScoreJensenShannon,
    IReadOnlyList<FeatureDrift> Features,
    string State,
    IReadOnlyList<long> ScoreCounts,
    IReadOnlyList<long> ReferenceCounts,
    IReadOnlyList<double> ScoreEdges,
    double? LatencyP50,
    double? LatencyP99,
    long Requests,
    long Cached,
    IReadOnlyList<DriftBucket> Series)
{
    /// <summary>The highest PSI of the score and the features.</summary>
    public double? MaxPsi => ScorePsi is null && Features.Count == 0 ? null : Math.Max(ScorePsi ?? 0, Features.Count == 0 ? 0 : Features[0].Psi);
}
