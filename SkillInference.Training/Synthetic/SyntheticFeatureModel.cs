using System.Text.Json.Serialization;

namespace SkillInference.Training;

/// <summary>
/// How the synthetic generator produces one feature from the latent skill levels:
/// <c>s = Σ loadings[k]·z[k] + noise·ε</c>, then shaped by <see cref="Kind"/>, then hidden with the missingness rules.
/// </summary>
public sealed record SyntheticFeatureModel
{
    /// <summary>The distribution's shape.</summary>
    [JsonPropertyName("kind")]
    public SyntheticFeatureKind Kind { get; init; } = SyntheticFeatureKind.Continuous;

    /// <summary>The value (or mean count, or proportion) of a student with average latent levels.</summary>
    [JsonPropertyName("center")]
    public double Center { get; init; }

    /// <summary>How strongly the latent signal <c>s</c> moves the value.</summary>
    [JsonPropertyName("spread")]
    public double Spread { get; init; } = 1;

    /// <summary>The weight of each skill's latent level (by skill id); skills not named weigh 0.</summary>
    [JsonPropertyName("loadings")]
    public IReadOnlyDictionary<string, double> Loadings { get; init; } = new Dictionary<string, double>();

    /// <summary>Standard deviation of the feature's own noise, in latent units.</summary>
    [JsonPropertyName("noise")]
    public double Noise { get; init; } = 1;

    /// <summary>Probability that the value is missing at random (on top of structural missingness).</summary>
    [JsonPropertyName("missingRate")]
    public double MissingRate { get; init; }
}
