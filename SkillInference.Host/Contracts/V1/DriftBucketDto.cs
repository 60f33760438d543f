namespace SkillInference.Host.Contracts.V1;

/// <summary>One time bucket of a model's live traffic.</summary>
public sealed record DriftBucketDto
{
    /// <summary>The bucket's start.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Rows scored.</summary>
    public required long Rows { get; init; }

    /// <summary>Items answered from the cache.</summary>
    public required long Cached { get; init; }

    /// <summary>Median scoring time in milliseconds.</summary>
    public double? LatencyP50Ms { get; init; }

    /// <summary>99th percentile scoring time in milliseconds.</summary>
    public double? LatencyP99Ms { get; init; }
}
