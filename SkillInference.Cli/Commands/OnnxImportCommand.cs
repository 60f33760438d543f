using System.CommandLine;
using System.Text.Json;
using SkillInference.Catalog;
using SkillInference.Onnx;
using SkillInference.Schema;
using SkillInference.Trees;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf import onnx</c>: build an <c>onnx</c> bundle from a binary classifier exported to ONNX and publish it.</summary>
internal static class OnnxImportCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "model.onnx: a binary classifier with one float input [N, features] and a float probability output (export with the ZipMap disabled).", Required = true };
        var scaler = new Option<string?>("--scaler") { Description = "scaler.json (StandardScaler mean/scale), when the model was trained on scaled features." };
        var schema = new Option<string?>("--schema") { Description = "Feature names (in model order, unless --feature-names is given), ranges, missing rules and descriptions: a skill catalog (e.g. samples/skills.json: the skill's features), a JSON array of feature specs, or {\"features\": [...]}. Features not described accept any value and pass missing values to the model as NaN." };
        var featureNames = new Option<string?>("--feature-names") { Description = "The model's features in input order, comma-separated (a,b,c); default: the schema's." };
        var input = new Option<string?>("--input") { Description = "The graph input that takes the feature tensor (default: its only input)." };
        var output = new Option<string?>("--output") { Description = "The float tensor output holding class probabilities (default: the first whose name contains 'prob')." };
        var positiveIndex = new Option<int?>("--positive-index") { Description = "The output column of the high-skill class (default: 1 of a two-column output, 0 of one column)." };
        var common = ImportOptions.Create();
        var command = new Command("onnx", "Import an ONNX binary classifier (e.g. from skl2onnx, onnxmltools or ML.NET's ConvertToOnnx), served on ONNX Runtime.")
        {
            model, scaler, schema, featureNames, input, output, positiveIndex,
        };
        common.AddTo(command);
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var skill = parse.GetValue(common.Skill)!;
            var version = ImportOptions.ParseVersion(parse.GetValue(common.Version)!);
            var names = parse.GetValue(featureNames) is { } list
                ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : null;
            var specs = parse.GetValue(schema) is { } path ? await LoadSpecsAsync(path, skill, names, ct).ConfigureAwait(false) : [];
            var request = new OnnxImportRequest
            {
                Skill = skill,
                Version = version,
                Model = await File.ReadAllBytesAsync(parse.GetValue(model)!, ct).ConfigureAwait(false),
                FeatureNames = names,
                FeatureSpecs = specs,
                Scaler = parse.GetValue(scaler) is { } s ? XGBoostExport.ReadScaler(await File.ReadAllBytesAsync(s, ct).ConfigureAwait(false)) : null,
                Input = parse.GetValue(input),
                Output = parse.GetValue(output),
                PositiveIndex = parse.GetValue(positiveIndex),
                Description = parse.GetValue(common.Description) ?? "Imported ONNX model.",
            };
            var bundle = OnnxBundleBuilder.Build(request);
            var onnx = bundle.Manifest.Onnx!;
            await console.Out.WriteLineAsync($"ONNX graph: input {onnx.Input} [N, {bundle.Schema.Count}], probability from output {onnx.Output} column {onnx.PositiveIndex}").ConfigureAwait(false);
            return await common.PublishAsync(console, parse, bundle, ct).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>
    /// Specs from a schema file. With <paramref name="names"/>, only the features named; otherwise the features in model
    /// order: a catalog's skill's own features (a catalog describes more), or every spec of a spec list.
    /// </summary>
    private static async Task<IReadOnlyList<FeatureSpec>> LoadSpecsAsync(string path, string skill, IReadOnlyList<string>? names, CancellationToken ct)
    {
        var specs = await FeatureSpecFile.LoadAsync(path, skill, ct).ConfigureAwait(false);
        if (names is not null)
        {
            return [.. specs.Where(s => names.Contains(s.Name))];
        }

        if (!await IsCatalogAsync(path, ct).ConfigureAwait(false))
        {
            return specs;
        }

        var catalog = await SkillCatalog.LoadAsync(path, ct).ConfigureAwait(false);
        var definition = catalog.Skills.FirstOrDefault(s => s.Id == skill)
            ?? throw new ArgumentException($"The catalog '{path}' has no skill '{skill}', so it cannot say the model's features; pass --feature-names a,b,c in model order.");
        return definition.Schema.Features;
    }

    private static async Task<bool> IsCatalogAsync(string path, CancellationToken ct)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            using var doc = await JsonDocument.ParseAsync(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }, ct).ConfigureAwait(false);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("skills", out _);
        }
    }
}
