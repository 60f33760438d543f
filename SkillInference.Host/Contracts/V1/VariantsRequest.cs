namespace SkillInference.Host.Contracts.V1;

/// <summary>Set the versions that share a skill's traffic by weight (empty: the deployed version serves all).</summary>
public sealed record VariantsRequest
{
    /// <summary>The variants, e.g. <c>[{"version":"1.0.0","weight":90},{"version":"1.1.0","weight":10}]</c>.</summary>
    public List<TrafficVariant>? Variants { get; init; }

    /// <summary>Why, recorded in the registry history.</summary>
    public string? Reason { get; init; }
}
