using System.CommandLine;
using SkillInference.Registry;
using SkillInference.Training;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf train</c>: train FastTree bundles from training-data CSV.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new Option<string>("--data") { Description = "Training-data CSV (the export format; see docs/features.md).", Required = true };
        var skill = new Option<string[]>("--skill") { Description = "Skill(s) to train (default: every skill of the catalog).", AllowMultipleArgumentsPerToken = true };
        var version = new Option<string>("--version") { Description = "The bundle version (semver).", DefaultValueFactory = _ => "1.0.0" };
        var output = new Option<string>("--out", "-o") { Description = "Write bundles to OUT/<skill>/<version>/.", Required = true };
        var trees = new Option<int>("--trees") { Description = "Boosted trees per model (100-300 is typical).", DefaultValueFactory = _ => 150 };
        var leaves = new Option<int>("--leaves") { Description = "Leaves per tree.", DefaultValueFactory = _ => 8 };
        var rate = new Option<double>("--learning-rate") { Description = "Learning rate.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split and the trainer.", DefaultValueFactory = _ => 42 };
        var description = new Option<string?>("--description") { Description = "What this version changes, for the manifest." };
        var catalog = CommonOptions.Catalog();
        var command = new Command("train", "Train one ML.NET FastTree bundle per skill: scaler, model, held-out metrics, importance, training statistics.")
        {
            data, skill, version, output, trees, leaves, rate, seed, description, catalog,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            if (!SemanticVersion.TryParse(parse.GetValue(version), out var v))
            {
                throw new ArgumentException($"--version '{parse.GetValue(version)}' is not a semantic version (e.g. 1.2.0).");
            }

            var skills = await CommonOptions.LoadCatalogAsync(parse.GetValue(catalog), ct).ConfigureAwait(false);
            var wanted = parse.GetValue(skill) is { Length: > 0 } names ? names.Select(n => skills[n]).ToArray() : [.. skills.Skills];
            var dataset = await TrainingDataset.LoadCsvAsync(parse.GetValue(data)!, ct).ConfigureAwait(false);
            await console.Error.WriteLineAsync($"Training {wanted.Length} skill(s) on {dataset.RowCount:N0} rows (data sha256 {dataset.Sha256[..12]}...)").ConfigureAwait(false);
            var options = new SkillTrainingOptions
            {
                Version = v.ToString(),
                NumberOfTrees = parse.GetValue(trees),
                NumberOfLeaves = parse.GetValue(leaves),
                LearningRate = parse.GetValue(rate),
                Seed = parse.GetValue(seed),
                Description = parse.GetValue(description) ?? "",
            };
            var trainer = new SkillModelTrainer();
            foreach (var definition in wanted)
            {
                var result = trainer.Train(definition, dataset, options);
                var dir = Path.Combine(parse.GetValue(output)!, definition.Id, options.Version);
                await result.Bundle.WriteDirectoryAsync(dir, ct).ConfigureAwait(false);
                var m = result.Bundle.Manifest.Metrics;
                await console.Out.WriteLineAsync(
                    $"{definition.Id,-18} AUC {m.Auc:0.000}  accuracy {m.Accuracy:0.000}  log loss {m.LogLoss:0.000}  r(teacher) {m.PearsonR:0.000}  train/test {m.TrainCount}/{m.TestCount}  {result.Duration.TotalSeconds:0.0} s  -> {dir}").ConfigureAwait(false);
            }

            return CliConsole.Success;
        }));
        return command;
    }
}
