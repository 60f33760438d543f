using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>A feature's share of the model's total split gain (all shares sum to 1).</summary>
/// <param name="Feature">The feature name.</param>
/// <param name="Gain">The normalized gain, in [0, 1].</param>
public sealed record FeatureImportance(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("gain")] double Gain);
