namespace SkillInference.Host.Contracts.V1;

/// <summary>Drift of one skill and version's live traffic (in this instance) against its bundle's reference histograms.</summary>
public sealed record DriftDto
{
    /// <summary>The skill.</summary>
    public required string Skill { get; init; }

    /// <summary>The model version.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>Rows scored in the window.</summary>
    public required long N { get; init; }

    /// <summary>PSI of the live scores against the reference.</summary>
    public double? ScorePsi { get; init; }

    /// <summary>Jensen–Shannon divergence of the live scores (base 2).</summary>
    public double? ScoreJensenShannon { get; init; }

    /// <summary><c>ok</c> (PSI below 0.1), <c>watch</c>, <c>alert</c> (0.25 or more), or <c>insufficient_data</c> below the minimum sample.</summary>
    public required string State { get; init; }

    /// <summary>The features with the highest PSI (at most five), highest first.</summary>
    public required IReadOnlyList<FeatureDriftDto> Features { get; init; }

    /// <summary>The score histogram's bin edges.</summary>
    public required IReadOnlyList<double> ScoreEdges { get; init; }

    /// <summary>Live scores per bin.</summary>
    public required IReadOnlyList<long> ScoreCounts { get; init; }

    /// <summary>The reference's scores per bin.</summary>
    public required IReadOnlyList<long> ReferenceCounts { get; init; }

    /// <summary>Scored requests (model groups) in the window.</summary>
    public required long Requests { get; init; }

    /// <summary>Median scoring time in milliseconds (the upper bound of its bin).</summary>
    public double? LatencyP50Ms { get; init; }

    /// <summary>99th percentile scoring time in milliseconds (the upper bound of its bin).</summary>
    public double? LatencyP99Ms { get; init; }

    /// <summary>Items answered from the cache in the window (not counted in <see cref="N"/>).</summary>
    public required long Cached { get; init; }

    /// <summary>Cached / (cached + scored) in the window.</summary>
    public double? CacheHitRate { get; init; }

    /// <summary>The window's time buckets, oldest first: predictions and latency over time.</summary>
    public required IReadOnlyList<DriftBucketDto> Series { get; init; }
}
