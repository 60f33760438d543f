using System.Text.Json.Serialization;
using SkillInference.Schema;

namespace SkillInference.Bundles;

/// <summary>
/// <c>manifest.json</c> of a model bundle: one skill, one version, immutable once published.
/// See <c>docs/versioning.md</c> for the format.
/// </summary>
public sealed record BundleManifest
{
    /// <summary>The manifest format version this library writes.</summary>
    public const int CurrentManifestVersion = 1;

    /// <summary>The manifest format version.</summary>
    [JsonPropertyName("manifestVersion")]
    public int ManifestVersion { get; init; } = CurrentManifestVersion;

    /// <summary>The skill id.</summary>
    [JsonPropertyName("skill")]
    public required string Skill { get; init; }

    /// <summary>The bundle's semantic version (MAJOR.MINOR.PATCH).</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>The model file format, one of <see cref="ModelFormats"/>.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The model file's name inside the bundle.</summary>
    [JsonPropertyName("modelFile")]
    public required string ModelFile { get; init; }

    /// <summary>The lower-case hex SHA-256 of the model file.</summary>
    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    /// <summary>A free-text description of this version (what changed).</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary>The feature schema, in model input order.</summary>
    [JsonPropertyName("features")]
    public required IReadOnlyList<FeatureSpec> Features { get; init; }

    /// <summary>The scaler applied after imputation, or null for none.</summary>
    [JsonPropertyName("scaler")]
    public ScalerParameters? Scaler { get; init; }

    /// <summary>Training statistics per feature (for imputation), in schema order.</summary>
    [JsonPropertyName("statistics")]
    public IReadOnlyList<FeatureStatistics> Statistics { get; init; } = [];

    /// <summary>Held-out evaluation.</summary>
    [JsonPropertyName("metrics")]
    public ModelMetrics Metrics { get; init; } = new();

    /// <summary>Global gain importance per feature, in schema order, summing to 1.</summary>
    [JsonPropertyName("importance")]
    public IReadOnlyList<FeatureImportance> Importance { get; init; } = [];

    /// <summary>Score and feature distributions at training time, for drift monitoring.</summary>
    [JsonPropertyName("reference")]
    public ReferenceDistributions Reference { get; init; } = new();

    /// <summary>When the model was trained.</summary>
    [JsonPropertyName("trainedAt")]
    public DateTimeOffset? TrainedAt { get; init; }

    /// <summary>The SHA-256 of the training data file.</summary>
    [JsonPropertyName("trainingDataSha256")]
    public string? TrainingDataSha256 { get; init; }

    /// <summary>
    /// For ML.NET FastTree models, which do not store node statistics: the training rows reaching each node, per tree
    /// (internal nodes in ML.NET order, then leaves), so that predictions can be explained with TreeSHAP. Optional.
    /// </summary>
    [JsonPropertyName("treeCovers")]
    public IReadOnlyList<IReadOnlyList<double>>? TreeCovers { get; init; }

    /// <summary>For <c>onnx</c> bundles: which graph input and output to use. Null when absent (other formats ignore it).</summary>
    [JsonPropertyName("onnx")]
    public OnnxSettings? Onnx { get; init; }

    /// <summary>What produced the model.</summary>
    [JsonPropertyName("trainer")]
    public TrainerDescription Trainer { get; init; } = new();
}
