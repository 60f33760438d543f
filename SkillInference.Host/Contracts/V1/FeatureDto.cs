namespace SkillInference.Host.Contracts.V1;

/// <summary>A feature of a deployed model: what to send and what happens when it is absent.</summary>
public sealed record FeatureDto
{
    /// <summary>The name to send.</summary>
    public required string Name { get; init; }

    /// <summary><c>linguistic</c> or <c>behavioral</c>.</summary>
    public required string Group { get; init; }

    /// <summary>What it measures.</summary>
    public required string Description { get; init; }

    /// <summary>Its unit.</summary>
    public required string Unit { get; init; }

    /// <summary>The smallest accepted value.</summary>
    public required double Min { get; init; }

    /// <summary>The largest accepted value.</summary>
    public required double Max { get; init; }

    /// <summary>Whether a request without it is rejected.</summary>
    public required bool Required { get; init; }

    /// <summary>The missing-value rule: <c>native</c>, <c>median</c>, <c>mean</c> or <c>constant</c>.</summary>
    public required string Missing { get; init; }

    /// <summary>The value imputed when absent (median, mean or constant); null for <c>native</c>.</summary>
    public double? ImputedValue { get; init; }

    /// <summary>Share of the model's gain importance.</summary>
    public double? Importance { get; init; }
}
