using SkillInference.Bundles;

namespace SkillInference.Trees;

/// <summary>The parts of the export tool's metadata.json that go into a bundle.</summary>
/// <param name="FeatureNames">The feature names, or null.</param>
/// <param name="XGBoostVersion">The xgboost version that trained the model.</param>
/// <param name="SklearnVersion">The scikit-learn version of the scaler.</param>
/// <param name="TrainedAt">When the model was trained, if known.</param>
/// <param name="TrainingDataSha256">The training data's SHA-256, if known.</param>
/// <param name="Metrics">Held-out metrics, if the export was given them.</param>
public sealed record XGBoostExportMetadata(
    IReadOnlyList<string>? FeatureNames,
    string? XGBoostVersion,
    string? SklearnVersion,
    DateTimeOffset? TrainedAt,
    string? TrainingDataSha256,
    ModelMetrics Metrics);
