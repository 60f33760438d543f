using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Trees;

/// <summary>What <see cref="XGBoostBundleBuilder"/> turns into an <c>xgboost-json</c> bundle.</summary>
internal sealed record XGBoostImportRequest
{
    /// <summary>The skill id.</summary>
    public required string Skill { get; init; }

    /// <summary>The bundle version.</summary>
    public required string Version { get; init; }

    /// <summary>The model.json bytes.</summary>
    public required ReadOnlyMemory<byte> ModelJson { get; init; }

    /// <summary>The scaler applied before the model, or null.</summary>
    public ScalerParameters? Scaler { get; init; }

    /// <summary>The export metadata, or null.</summary>
    public XGBoostExportMetadata? Metadata { get; init; }

    /// <summary>Feature specs (ranges, missing rules, descriptions) by name; features not listed get permissive defaults.</summary>
    public IReadOnlyList<FeatureSpec> FeatureSpecs { get; init; } = [];

    /// <summary>What this version is.</summary>
    public string Description { get; init; } = "";
}
