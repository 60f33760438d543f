namespace SkillInference.Monitoring;

/// <summary>One time bucket of a model's counters.</summary>
/// <param name="Start">The bucket's start.</param>
/// <param name="Rows">Rows scored.</param>
/// <param name="Cached">Items answered from the cache.</param>
/// <param name="LatencyP50">Median scoring time of a request's group, in seconds (a bin's upper bound).</param>
/// <param name="LatencyP99">99th percentile, in seconds (a bin's upper bound).</param>
internal sealed record DriftBucket(DateTimeOffset Start, long Rows, long Cached, double? LatencyP50, double? LatencyP99);
