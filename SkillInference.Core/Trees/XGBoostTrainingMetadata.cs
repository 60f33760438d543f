using System.Text.Json;
using SkillInference.Bundles;

namespace SkillInference.Trees;

/// <summary>
/// The training side of an export's metadata.json (written by <c>tools/export_xgboost.py --training-metadata</c> from
/// the notebook's metadata): statistics, reference histograms and <c>feature_importances_</c>, read and matched to the
/// model's features.
/// </summary>
internal static class XGBoostTrainingMetadata
{
    public static IReadOnlyList<FeatureStatistics> ReadStatistics(JsonElement root) =>
        root.TryGetProperty("statistics", out var s) && s.ValueKind == JsonValueKind.Array
            ? [.. s.EnumerateArray().Select(e => new FeatureStatistics
            {
                Name = e.GetProperty("name").GetString() ?? "",
                Mean = e.GetProperty("mean").GetDouble(),
                Median = e.GetProperty("median").GetDouble(),
                Std = e.GetProperty("std").GetDouble(),
                Min = e.GetProperty("min").GetDouble(),
                Max = e.GetProperty("max").GetDouble(),
                MissingRate = e.GetProperty("missing_rate").GetDouble(),
            })]
            : [];

    public static ReferenceDistributions? ReadReference(JsonElement root)
    {
        if (!root.TryGetProperty("reference", out var r) || r.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var features = new Dictionary<string, Histogram>(StringComparer.Ordinal);
        if (r.TryGetProperty("features", out var f) && f.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in f.EnumerateObject())
            {
                features[p.Name] = ReadHistogram(p.Value);
            }
        }

        return new ReferenceDistributions
        {
            Score = r.TryGetProperty("score", out var score) && score.ValueKind == JsonValueKind.Object ? ReadHistogram(score) : null,
            Features = features,
        };
    }

    public static IReadOnlyList<double>? ReadImportance(JsonElement root) =>
        root.TryGetProperty("importance", out var i) && i.ValueKind == JsonValueKind.Array
            ? [.. i.EnumerateArray().Select(v => v.GetDouble())]
            : null;

    /// <summary>The statistics in schema order; empty when the export has none.</summary>
    /// <exception cref="ModelImportException">They are for other features.</exception>
    public static IReadOnlyList<FeatureStatistics> StatisticsFor(IReadOnlyList<string> names, XGBoostExportMetadata? metadata)
    {
        if (metadata is not { Statistics.Count: > 0 } m)
        {
            return [];
        }

        if (!m.Statistics.Select(s => s.Name).SequenceEqual(names))
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"metadata.json has training statistics for {string.Join(", ", m.Statistics.Select(s => s.Name))}; the model's features are {string.Join(", ", names)}.");
        }

        return m.Statistics;
    }

    /// <summary>The reference distributions; feature histograms only for the model's features.</summary>
    /// <exception cref="ModelImportException">A histogram is for a feature the model does not have.</exception>
    public static ReferenceDistributions ReferenceFor(IReadOnlyList<string> names, XGBoostExportMetadata? metadata)
    {
        if (metadata?.Reference is not { } reference)
        {
            return new ReferenceDistributions();
        }

        var extra = reference.Features.Keys.Except(names).ToArray();
        return extra.Length == 0
            ? reference
            : throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"metadata.json has reference histograms for features the model does not have: {string.Join(", ", extra)}.");
    }

    /// <summary><c>feature_importances_</c> when the export carried them, else each feature's share of the total gain.</summary>
    /// <exception cref="ModelImportException">There are more or fewer importances than features.</exception>
    public static IReadOnlyList<FeatureImportance> ImportanceFor(IReadOnlyList<string> names, XGBoostExportMetadata? metadata, TreeEnsemble ensemble)
    {
        if (metadata?.Importance is not { } importance)
        {
            return [.. names.Select((n, i) => new FeatureImportance(n, ensemble.GainImportance[i]))];
        }

        return importance.Count == names.Count
            ? [.. names.Select((n, i) => new FeatureImportance(n, importance[i]))]
            : throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"metadata.json has {importance.Count} importances for {names.Count} features.");
    }

    private static Histogram ReadHistogram(JsonElement h) => new()
    {
        Edges = [.. h.GetProperty("edges").EnumerateArray().Select(e => e.GetDouble())],
        Counts = [.. h.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64())],
        Missing = h.TryGetProperty("missing", out var m) ? m.GetInt64() : 0,
    };
}
