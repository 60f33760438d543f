using SkillInference.Bundles;

namespace SkillInference.Trees;

/// <summary>The parts of the export tool's metadata.json that go into a bundle.</summary>
/// <param name="FeatureNames">The feature names, or null.</param>
/// <param name="XGBoostVersion">The xgboost version that trained the model.</param>
/// <param name="SklearnVersion">The scikit-learn version of the scaler.</param>
/// <param name="TrainedAt">When the model was trained, if known.</param>
/// <param name="TrainingDataSha256">The training data's SHA-256, if known.</param>
/// <param name="Metrics">Held-out metrics, if the export was given them.</param>
internal sealed record XGBoostExportMetadata(
    IReadOnlyList<string>? FeatureNames,
    string? XGBoostVersion,
    string? SklearnVersion,
    DateTimeOffset? TrainedAt,
    string? TrainingDataSha256,
    ModelMetrics Metrics)
{
    /// <summary>Training statistics per feature (what the <c>median</c> and <c>mean</c> missing rules impute), or empty when the export carried none.</summary>
    public IReadOnlyList<FeatureStatistics> Statistics { get; init; } = [];

    /// <summary>Score and feature distributions at training time (the drift reference), or null.</summary>
    public ReferenceDistributions? Reference { get; init; }

    /// <summary>
    /// The classifier's <c>feature_importances_</c> in input order (XGBClassifier's default: mean gain per split,
    /// normalized), or null for an export without them (the bundle then holds each feature's share of total gain).
    /// </summary>
    public IReadOnlyList<double>? Importance { get; init; }
}
