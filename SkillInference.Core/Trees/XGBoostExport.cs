using System.Globalization;
using System.Text.Json;
using SkillInference.Bundles;

namespace SkillInference.Trees;

/// <summary>Reads what <c>tools/export_xgboost.py</c> writes beside model.json: scaler.json and metadata.json.</summary>
internal static class XGBoostExport
{
    /// <summary>Reads <c>scaler.json</c>: <c>{"kind": "standard", "mean": [...], "scale": [...]}</c>.</summary>
    /// <exception cref="ModelImportException">The file is malformed.</exception>
    public static ScalerParameters ReadScaler(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            var kind = root.TryGetProperty("kind", out var k) ? k.GetString() : "standard";
            if (kind != "standard")
            {
                throw new ModelImportException(ModelImportErrorKind.Malformed, $"scaler.json has kind '{kind}'; only 'standard' (StandardScaler) is supported.");
            }

            var mean = root.GetProperty("mean").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var scale = root.GetProperty("scale").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (mean.Length != scale.Length)
            {
                throw new ModelImportException(ModelImportErrorKind.Malformed, $"scaler.json has {mean.Length} means and {scale.Length} scales.");
            }

            return new ScalerParameters { Mean = mean, Scale = scale };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelImportException(ModelImportErrorKind.Malformed, $"scaler.json cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Reads <c>metadata.json</c>: feature names, versions, and the training metrics if the export was given them.</summary>
    /// <exception cref="ModelImportException">The file is malformed.</exception>
    public static XGBoostExportMetadata ReadMetadata(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            IReadOnlyList<string>? names = root.TryGetProperty("feature_names", out var fn) && fn.ValueKind == JsonValueKind.Array
                ? [.. fn.EnumerateArray().Select(n => n.GetString() ?? "")]
                : null;
            var metrics = new ModelMetrics();
            if (root.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                metrics = new ModelMetrics
                {
                    Auc = Number(m, "auc"),
                    Accuracy = Number(m, "accuracy"),
                    LogLoss = Number(m, "log_loss") ?? Number(m, "logloss") ?? Number(m, "logLoss"),
                    PearsonR = Number(m, "pearson_r") ?? Number(m, "pearsonR"),
                    TrainCount = (int?)(Number(m, "train_count") ?? Number(m, "trainCount")),
                    TestCount = (int?)(Number(m, "test_count") ?? Number(m, "testCount")),
                    PositiveRate = Number(m, "positive_rate") ?? Number(m, "positiveRate"),
                };
            }

            return new XGBoostExportMetadata(
                names,
                Text(root, "xgboost_version"),
                Text(root, "sklearn_version"),
                DateTimeOffset.TryParse(Text(root, "trained_at") ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var trained) ? trained : null,
                Text(root, "training_data_sha256"),
                metrics)
            {
                Statistics = XGBoostTrainingMetadata.ReadStatistics(root),
                Reference = XGBoostTrainingMetadata.ReadReference(root),
                Importance = XGBoostTrainingMetadata.ReadImportance(root),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new ModelImportException(ModelImportErrorKind.Malformed, $"metadata.json cannot be read: {ex.Message}", ex);
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
