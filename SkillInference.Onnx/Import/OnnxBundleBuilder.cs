using System.Globalization;
using SkillInference.Bundles;
using SkillInference.Onnx.Engine;
using SkillInference.Schema;
using SkillInference.Trees;

namespace SkillInference.Onnx;

/// <summary>
/// Builds an <c>onnx</c> bundle from a model exported to ONNX: loads the graph once to resolve and check its input
/// (one float tensor <c>[N, features]</c>) and probability output, and records them in the manifest's
/// <see cref="BundleManifest.Onnx"/> block; the feature schema comes from the given names and specs (features not
/// described get permissive defaults: group <c>other</c>, any value, missing values passed to the model as NaN).
/// </summary>
internal static class OnnxBundleBuilder
{
    /// <summary>The model file's name inside the bundle.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>Builds and verifies the bundle.</summary>
    /// <exception cref="ModelImportException">Names, specs, scaler or importance disagree with the model's input width.</exception>
    /// <exception cref="BundleValidationException">
    /// The model cannot be loaded or served (kind <see cref="BundleValidationErrorKind.InvalidModel"/>: not ONNX, several
    /// or non-float inputs, a ZipMap output, no usable output...), or the resulting schema is invalid.
    /// </exception>
    public static ModelBundle Build(OnnxImportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = new OnnxSettings { Input = request.Input, Output = request.Output, PositiveIndex = request.PositiveIndex };
        using var session = OnnxGraph.CreateSession(request.Model, "The ONNX model");
        var signature = OnnxGraph.Resolve(session, request.FeatureNames?.Count, settings, "The ONNX model");
        var width = signature.FeatureCount;

        IReadOnlyList<string> names = request.FeatureNames
            ?? (request.FeatureSpecs.Count > 0
                ? [.. request.FeatureSpecs.Select(f => f.Name)]
                : throw new ModelImportException(
                    ModelImportErrorKind.SchemaMismatch,
                    $"The ONNX model takes {width} features but has no feature names. Give them with --feature-names a,b,c or a schema listing all {width} features in model order."));
        if (names.Count != width)
        {
            // Only when the names come from the specs: given names were checked against the width by Resolve.
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"The ONNX model's input {signature.InputName} takes {width} features but the schema lists {names.Count}; give the model's features in input order with --feature-names a,b,c.");
        }

        var duplicates = names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"Feature names are repeated: {string.Join(", ", duplicates)}.");
        }

        if (request.Scaler is { } scaler && (scaler.Mean.Count != width || scaler.Scale.Count != width))
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"The scaler has {scaler.Mean.Count} features but the model takes {width}.");
        }

        if (request.Importance is { } importance && importance.Count != width)
        {
            throw new ModelImportException(ModelImportErrorKind.SchemaMismatch, $"{importance.Count} importance values were given but the model takes {width} features.");
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
            Description = "Imported with the ONNX model; no description was given.",
            Missing = MissingValueRule.Native,
        }).ToArray();

        var metadata = session.ModelMetadata;
        var parameters = new Dictionary<string, string>
        {
            ["input"] = signature.InputName,
            ["output"] = signature.OutputName,
            ["positiveIndex"] = signature.PositiveIndex.ToString(CultureInfo.InvariantCulture),
            ["modelVersion"] = metadata.Version.ToString(CultureInfo.InvariantCulture),
        };
        if (metadata.GraphName is { Length: > 0 } graph)
        {
            parameters["graph"] = graph;
        }

        if (metadata.Domain is { Length: > 0 } domain)
        {
            parameters["domain"] = domain;
        }

        var manifest = new BundleManifest
        {
            Skill = request.Skill,
            Version = request.Version,
            Format = ModelFormats.Onnx,
            ModelFile = ModelFileName,
            Sha256 = new string('0', 64),
            Description = request.Description,
            Features = specs,
            Scaler = request.Scaler,
            Statistics = request.Statistics,
            Metrics = request.Metrics ?? new ModelMetrics(),
            Importance = [.. names.Select((n, i) => new FeatureImportance(n, request.Importance?[i] ?? 0))],
            TrainedAt = request.TrainedAt,
            Onnx = signature.ToSettings(),
            Trainer = new TrainerDescription
            {
                Library = string.IsNullOrEmpty(metadata.ProducerName) ? "onnx" : $"onnx ({metadata.ProducerName})",
                Algorithm = "ONNX binary classifier",
                Parameters = parameters,
            },
        };
        return ModelBundle.Create(manifest, request.Model);
    }
}
