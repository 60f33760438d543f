using SkillInference.Schema;

namespace SkillInference.Catalog;

/// <summary>A skill of a catalog: its id, description and feature schema.</summary>
public sealed record SkillDefinition
{
    /// <summary>The skill id, <c>snake_case</c>, e.g. <c>collaboration</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A human-readable name, e.g. <c>Collaboration</c>.</summary>
    public string DisplayName { get; init; } = "";

    /// <summary>What the skill means and what "high skill" is.</summary>
    public string Description { get; init; } = "";

    /// <summary>The skill's features in model input order.</summary>
    public required FeatureSchema Schema { get; init; }

    /// <summary>Parameters of the synthetic generator for this skill; null when the catalog gives none.</summary>
    public Training.SyntheticSkillModel? Synthetic { get; init; }
}
