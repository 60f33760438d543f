using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>Distributions seen at training time, against which live traffic is compared for drift.</summary>
public sealed record ReferenceDistributions
{
    /// <summary>The predicted probabilities on the held-out test rows (what live traffic should look like), in ten bins over [0, 1].</summary>
    [JsonPropertyName("score")]
    public Histogram? Score { get; init; }

    /// <summary>Each feature's raw values on the training rows, binned at training deciles.</summary>
    [JsonPropertyName("features")]
    public IReadOnlyDictionary<string, Histogram> Features { get; init; } = new Dictionary<string, Histogram>();
}
