namespace SkillInference.Host.Contracts.V1;

/// <summary>A skill's models: what is deployed and served, every published version, the deployed features.</summary>
public sealed record SkillModels
{
    /// <summary>The skill id.</summary>
    public required string Skill { get; init; }

    /// <summary>The version the registry deploys.</summary>
    public string? Deployed { get; init; }

    /// <summary>The deployed version this instance has loaded (differs from <see cref="Deployed"/> briefly after a deploy, or when a load failed).</summary>
    public string? Live { get; init; }

    /// <summary>Versions sharing traffic by weight.</summary>
    public IReadOnlyList<TrafficVariant> Variants { get; init; } = [];

    /// <summary>Every published version, newest first.</summary>
    public required IReadOnlyList<ModelVersionDto> Versions { get; init; }

    /// <summary>The deployed version's features in model input order.</summary>
    public required IReadOnlyList<FeatureDto> Features { get; init; }

    /// <summary>The latest registry changes (deploys, rollbacks, variants), newest first.</summary>
    public IReadOnlyList<RegistryEvent> History { get; init; } = [];
}
