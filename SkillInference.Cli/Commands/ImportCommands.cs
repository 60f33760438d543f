using System.CommandLine;
using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Trees;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf import xgboost|onnx</c>: turn an exported model into a bundle and publish it.</summary>
internal static class ImportCommands
{
    public static Command Create(CliConsole console, params Command[] extraFormats)
    {
        var import = new Command("import", "Build a bundle from a model trained elsewhere and publish it.");
        import.Subcommands.Add(XGBoost(console));
        foreach (var command in extraFormats)
        {
            import.Subcommands.Add(command);
        }

        return import;
    }

    private static Command XGBoost(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "model.json written by tools/export_xgboost.py (XGBoost's JSON format).", Required = true };
        var scaler = new Option<string?>("--scaler") { Description = "scaler.json (StandardScaler mean/scale), when the model was trained on scaled features." };
        var metadata = new Option<string?>("--metadata") { Description = "metadata.json (feature names, versions, metrics)." };
        var schema = new Option<string?>("--schema") { Description = "Feature ranges, missing rules and descriptions: a skill catalog (e.g. samples/skills.json), a JSON array of feature specs, or {\"features\": [...]}. Features not described accept any value and pass missing values to the trees (native)." };
        var common = ImportOptions.Create();
        var command = new Command("xgboost", "Import an XGBoost binary:logistic model (gbtree or dart) exported by tools/export_xgboost.py.")
        {
            model, scaler, metadata, schema,
        };
        common.AddTo(command);
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var skill = parse.GetValue(common.Skill)!;
            var version = ImportOptions.ParseVersion(parse.GetValue(common.Version)!);
            var request = new XGBoostImportRequest
            {
                Skill = skill,
                Version = version,
                ModelJson = await File.ReadAllBytesAsync(parse.GetValue(model)!, ct).ConfigureAwait(false),
                Scaler = parse.GetValue(scaler) is { } s ? XGBoostExport.ReadScaler(await File.ReadAllBytesAsync(s, ct).ConfigureAwait(false)) : null,
                Metadata = parse.GetValue(metadata) is { } m ? XGBoostExport.ReadMetadata(await File.ReadAllBytesAsync(m, ct).ConfigureAwait(false)) : null,
                FeatureSpecs = parse.GetValue(schema) is { } path ? await LoadSpecsForModelAsync(path, skill, parse.GetValue(model)!, ct).ConfigureAwait(false) : [],
                Description = parse.GetValue(common.Description) ?? "Imported XGBoost model.",
            };
            var bundle = XGBoostBundleBuilder.Build(request);
            return await common.PublishAsync(console, parse, bundle, ct).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Specs from a schema file, keeping only the features the model has (a catalog describes more).</summary>
    private static async Task<IReadOnlyList<FeatureSpec>> LoadSpecsForModelAsync(string path, string skill, string modelPath, CancellationToken ct)
    {
        var specs = await FeatureSpecFile.LoadAsync(path, skill, ct).ConfigureAwait(false);
        var names = XGBoostJsonImporter.Inspect(await File.ReadAllBytesAsync(modelPath, ct).ConfigureAwait(false)).FeatureNames;
        return names is null ? specs : [.. specs.Where(s => names.Contains(s.Name))];
    }
}
