using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Onnx;

/// <summary>What <see cref="OnnxBundleBuilder"/> turns into an <c>onnx</c> bundle.</summary>
internal sealed record OnnxImportRequest
{
    /// <summary>The skill id.</summary>
    public required string Skill { get; init; }

    /// <summary>The bundle version.</summary>
    public required string Version { get; init; }

    /// <summary>The model.onnx bytes.</summary>
    public required ReadOnlyMemory<byte> Model { get; init; }

    /// <summary>
    /// The feature names in the model's input order, or null to take them from <see cref="FeatureSpecs"/> (all of them,
    /// in order). Their count must equal the model's input width.
    /// </summary>
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>Feature specs (ranges, missing rules, descriptions) by name; features not listed get permissive defaults.</summary>
    public IReadOnlyList<FeatureSpec> FeatureSpecs { get; init; } = [];

    /// <summary>The scaler applied before the model, or null.</summary>
    public ScalerParameters? Scaler { get; init; }

    /// <summary>
    /// Training statistics per feature in model order, or empty; needed when a spec imputes the training
    /// <c>median</c> or <c>mean</c>.
    /// </summary>
    public IReadOnlyList<FeatureStatistics> Statistics { get; init; } = [];

    /// <summary>The graph input to feed, or null for its only input.</summary>
    public string? Input { get; init; }

    /// <summary>The probability output to read, or null for the first float tensor output whose name contains "prob".</summary>
    public string? Output { get; init; }

    /// <summary>The output column of the positive class, or null for column 1 of two (0 of one).</summary>
    public int? PositiveIndex { get; init; }

    /// <summary>Global importance per feature in model order (normalized to sum to 1), or null: ONNX graphs carry no gains, so all zeros.</summary>
    public IReadOnlyList<double>? Importance { get; init; }

    /// <summary>Held-out evaluation, if known.</summary>
    public ModelMetrics? Metrics { get; init; }

    /// <summary>When the model was trained, if known.</summary>
    public DateTimeOffset? TrainedAt { get; init; }

    /// <summary>What this version is.</summary>
    public string Description { get; init; } = "";
}
