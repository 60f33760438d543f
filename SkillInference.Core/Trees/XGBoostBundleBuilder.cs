using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Trees;

/// <summary>
/// Builds an <c>xgboost-json</c> bundle from an exported XGBoost model: the feature schema (names from the model or the
/// metadata, ranges and missing rules from the given specs, else permissive defaults with the <c>native</c> rule —
/// XGBoost learned a branch for missing values), the scaler, and from the metadata: metrics, training statistics,
/// reference histograms and importance (<c>feature_importances_</c>).
/// </summary>
internal static class XGBoostBundleBuilder
{
    /// <summary>The model file's name inside the bundle.</summary>
    public const string ModelFileName = "model.json";

    /// <summary>Builds and verifies the bundle.</summary>
    /// <exception cref="ModelImportException">The model cannot be served, or names and counts disagree.</exception>
    /// <exception cref="BundleValidationException">The resulting schema is invalid (e.g. names not snake_case, a median rule without statistics).</exception>
    public static ModelBundle Build(XGBoostImportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (info, ensemble) = XGBoostJsonImporter.Parse(request.ModelJson.Span);
        var names = ResolveNames(info, request);
        if (names.Count != info.FeatureCount)
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"The model takes {info.FeatureCount} features but {names.Count} names were given.");
        }

        if (request.Scaler is { } scaler && scaler.Mean.Count != info.FeatureCount)
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"The scaler has {scaler.Mean.Count} features but the model takes {info.FeatureCount}.");
        }

        var given = request.FeatureSpecs.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var extra = given.Keys.Except(names).ToArray();
        if (extra.Length > 0)
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"The schema describes features the model does not have: {string.Join(", ", extra)}.");
        }

        var specs = names.Select(name => given.TryGetValue(name, out var spec) ? spec : new FeatureSpec
        {
            Name = name,
            Group = FeatureGroup.Other,
            Description = "Imported with the XGBoost model; no description was given.",
            Missing = MissingValueRule.Native,
        }).ToArray();

        var trainer = new Dictionary<string, string>
        {
            ["booster"] = info.Booster,
            ["trees"] = info.TreeCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["maxDepth"] = info.MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["baseScore"] = info.BaseScore.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (info.BestIteration is { } best)
        {
            trainer["bestIteration"] = best.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.Metadata?.SklearnVersion is { } sk && request.Scaler is not null)
        {
            trainer["scaler"] = $"scikit-learn {sk} StandardScaler";
        }

        var manifest = new BundleManifest
        {
            Skill = request.Skill,
            Version = request.Version,
            Format = ModelFormats.XGBoostJson,
            ModelFile = ModelFileName,
            Sha256 = new string('0', 64),
            Description = request.Description,
            Features = specs,
            Scaler = request.Scaler,
            Metrics = request.Metadata?.Metrics ?? new ModelMetrics(),
            Statistics = XGBoostTrainingMetadata.StatisticsFor(names, request.Metadata),
            Reference = XGBoostTrainingMetadata.ReferenceFor(names, request.Metadata),
            Importance = XGBoostTrainingMetadata.ImportanceFor(names, request.Metadata, ensemble),
            TrainedAt = request.Metadata?.TrainedAt,
            TrainingDataSha256 = request.Metadata?.TrainingDataSha256,
            Trainer = new TrainerDescription
            {
                Library = "xgboost " + (request.Metadata?.XGBoostVersion ?? info.XGBoostVersion),
                Algorithm = $"XGBClassifier binary:logistic ({info.Booster})",
                Parameters = trainer,
            },
        };
        return ModelBundle.Create(manifest, request.ModelJson);
    }

    private static IReadOnlyList<string> ResolveNames(XGBoostModelInfo info, XGBoostImportRequest request)
    {
        var fromModel = info.FeatureNames;
        var fromMetadata = request.Metadata?.FeatureNames;
        if (fromModel is not null && fromMetadata is not null && !fromModel.SequenceEqual(fromMetadata))
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, "The model's feature names differ from metadata.json's.");
        }

        var names = fromModel ?? fromMetadata;
        if (names is null && request.FeatureSpecs.Count == info.FeatureCount)
        {
            // No names anywhere but a full schema: its order is the model's input order.
            names = [.. request.FeatureSpecs.Select(f => f.Name)];
        }

        return names ?? throw new ModelImportException(
            ModelImportErrorKind.SchemaMismatch,
            $"The model has no feature names ({info.FeatureCount} features). Export it with --feature-names, or give a metadata.json or a schema listing all {info.FeatureCount} features in model order.");
    }
}
