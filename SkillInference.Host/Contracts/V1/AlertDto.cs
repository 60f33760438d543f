namespace SkillInference.Host.Contracts.V1;

/// <summary>An alert (correlation, drift, latency, model load).</summary>
public sealed record AlertDto
{
    /// <summary>The alert's id.</summary>
    public required Guid Id { get; init; }

    /// <summary><c>correlation</c>, <c>drift</c>, <c>latency</c> or <c>model_load</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The skill.</summary>
    public required string Skill { get; init; }

    /// <summary>The model version (empty when none is concerned).</summary>
    public required string ModelVersion { get; init; }

    /// <summary><c>open</c> or <c>cleared</c>.</summary>
    public required string State { get; init; }

    /// <summary>The last measured value: r, PSI, p99 in seconds, or failures.</summary>
    public double? Value { get; init; }

    /// <summary>The threshold it is judged against.</summary>
    public required double Threshold { get; init; }

    /// <summary>The sample behind the value.</summary>
    public int? N { get; init; }

    /// <summary>The 95 % interval of r, [low, high] (correlation alerts).</summary>
    public IReadOnlyList<double>? Ci { get; init; }

    /// <summary>One human sentence with the value and the threshold.</summary>
    public required string Summary { get; init; }

    /// <summary>When it fired.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>When it was last evaluated.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it cleared.</summary>
    public DateTimeOffset? ClearedAt { get; init; }
}
