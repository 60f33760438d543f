using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>Training statistics of one feature, in raw (unscaled) units, over the non-missing training values.</summary>
public sealed record FeatureStatistics
{
    /// <summary>The feature name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The mean (the <c>mean</c> missing rule imputes it).</summary>
    [JsonPropertyName("mean")]
    public double Mean { get; init; }

    /// <summary>The median (the <c>median</c> missing rule imputes it).</summary>
    [JsonPropertyName("median")]
    public double Median { get; init; }

    /// <summary>The population standard deviation.</summary>
    [JsonPropertyName("std")]
    public double Std { get; init; }

    /// <summary>The smallest value seen.</summary>
    [JsonPropertyName("min")]
    public double Min { get; init; }

    /// <summary>The largest value seen.</summary>
    [JsonPropertyName("max")]
    public double Max { get; init; }

    /// <summary>The share of training rows where the feature was missing.</summary>
    [JsonPropertyName("missingRate")]
    public double MissingRate { get; init; }
}
