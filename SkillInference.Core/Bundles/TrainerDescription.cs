using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>What produced the model.</summary>
public sealed record TrainerDescription
{
    /// <summary>The library and its version, e.g. <c>ML.NET 5.0.1</c> or <c>xgboost 1.7.4</c>.</summary>
    [JsonPropertyName("library")]
    public string Library { get; init; } = "";

    /// <summary>The algorithm, e.g. <c>FastTree</c> or <c>XGBClassifier</c>.</summary>
    [JsonPropertyName("algorithm")]
    public string Algorithm { get; init; } = "";

    /// <summary>Hyper-parameters as strings.</summary>
    [JsonPropertyName("parameters")]
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}
