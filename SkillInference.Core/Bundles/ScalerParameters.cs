using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>
/// A standard scaler: <c>x' = (x - mean) / scale</c>, computed in double precision and then cast to float,
/// as scikit-learn's <c>StandardScaler</c> does for float64 input.
/// </summary>
public sealed record ScalerParameters
{
    /// <summary>The scaler kind; only <c>standard</c> exists.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "standard";

    /// <summary>Per-feature mean, in schema order.</summary>
    [JsonPropertyName("mean")]
    public required IReadOnlyList<double> Mean { get; init; }

    /// <summary>Per-feature scale (standard deviation; 1 where the training variance was 0), in schema order.</summary>
    [JsonPropertyName("scale")]
    public required IReadOnlyList<double> Scale { get; init; }
}
