using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>How the model did on its held-out test split.</summary>
public sealed record ModelMetrics
{
    /// <summary>Area under the ROC curve.</summary>
    [JsonPropertyName("auc")]
    public double? Auc { get; init; }

    /// <summary>Accuracy at the 0.5 threshold.</summary>
    [JsonPropertyName("accuracy")]
    public double? Accuracy { get; init; }

    /// <summary>Mean log loss (natural log).</summary>
    [JsonPropertyName("logLoss")]
    public double? LogLoss { get; init; }

    /// <summary>Pearson correlation of the predicted probability with the teacher rating, on test rows with a rating.</summary>
    [JsonPropertyName("pearsonR")]
    public double? PearsonR { get; init; }

    /// <summary>Rows in the training split.</summary>
    [JsonPropertyName("trainCount")]
    public int? TrainCount { get; init; }

    /// <summary>Rows in the test split.</summary>
    [JsonPropertyName("testCount")]
    public int? TestCount { get; init; }

    /// <summary>Share of positive ("high skill") labels in the training split.</summary>
    [JsonPropertyName("positiveRate")]
    public double? PositiveRate { get; init; }
}
