using System.Text.Json.Serialization;

namespace SkillInference.Training;

/// <summary>How the synthetic generator derives a skill's label and teacher rating from the latent level.</summary>
public sealed record SyntheticSkillModel
{
    /// <summary>The share of students labelled "high skill".</summary>
    /// <value>Defaults to 0.35.</value>
    [JsonPropertyName("positiveRate")]
    public double PositiveRate { get; init; } = 0.35;

    /// <summary>Standard deviation of the noise between the latent level and the label.</summary>
    /// <value>Defaults to 0.35.</value>
    [JsonPropertyName("labelNoise")]
    public double LabelNoise { get; init; } = 0.35;

    /// <summary>Standard deviation of the teacher's rating noise, in latent units (the latent level has unit variance).</summary>
    /// <value>Defaults to 0.6.</value>
    [JsonPropertyName("ratingNoise")]
    public double RatingNoise { get; init; } = 0.6;
}
