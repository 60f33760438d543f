using System.Text.Json.Serialization;

namespace SkillInference.Schema;

/// <summary>One input feature of a skill model: its meaning, valid range and missing-value rule.</summary>
public sealed record FeatureSpec
{
    /// <summary>The feature name, <c>snake_case</c>; callers send it as the key of the feature value.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Where the feature comes from.</summary>
    [JsonPropertyName("group")]
    public FeatureGroup Group { get; init; }

    /// <summary>What the feature measures and how it is computed.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary>The unit of the value, e.g. <c>ratio</c>, <c>words</c>, <c>per week</c>.</summary>
    [JsonPropertyName("unit")]
    public string Unit { get; init; } = "";

    /// <summary>The smallest valid value (inclusive); smaller values are rejected.</summary>
    [JsonPropertyName("min")]
    public double Min { get; init; } = double.MinValue;

    /// <summary>The largest valid value (inclusive); larger values are rejected.</summary>
    [JsonPropertyName("max")]
    public double Max { get; init; } = double.MaxValue;

    /// <summary>Whether a request without this feature is rejected.</summary>
    [JsonPropertyName("required")]
    public bool Required { get; init; }

    /// <summary>What to do when the (optional) feature is absent.</summary>
    [JsonPropertyName("missing")]
    public MissingValueRule Missing { get; init; } = MissingValueRule.Native;
}
