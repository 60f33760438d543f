using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Bundles;
using SkillInference.Cli.Reports;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Training;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf report</c>: an evaluation report of a bundle (and another version beside it) as one self-contained HTML page.</summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var skill = new Argument<string>("skill") { Description = "The skill id." };
        var version = new Argument<string>("version") { Description = "The bundle version to report on." };
        var against = new Option<string?>("--against") { Description = "Another published version to show side by side (e.g. the deployed one)." };
        var store = CommonOptions.Store();
        var data = new Option<string>("--data") { Description = "Labelled evaluation rows in the training-data format (docs/features.md): the notebook's <skill>.heldout.csv, or an export's <skill>.csv. Needs label_<skill>; rating_<skill> gives the correlation with teacher ratings.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The HTML file to write.", Required = true };
        var command = new Command("report", "Write an evaluation report of SKILL@VERSION on labelled rows: ROC curve and AUC, calibration, score histogram against the bundle's reference, importance, Pearson r against teacher ratings; side by side with --against. One HTML file, no external resources.")
        {
            skill, version, against, store, data, output,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var id = parse.GetValue(skill)!;
            var registry = CommonOptions.OpenRegistry(parse.GetValue(store)!);
            var versions = new[] { parse.GetValue(version)!, parse.GetValue(against) }.OfType<string>().Select(ImportOptions.ParseVersion).Distinct().ToArray();
            var bundles = new List<ModelBundle>();
            foreach (var v in versions)
            {
                bundles.Add(await registry.Bundles.ReadAsync(id, v, ct).ConfigureAwait(false));
            }

            var dataPath = parse.GetValue(data)!;
            var rows = await TrainingDataset.LoadCsvAsync(dataPath, ct).ConfigureAwait(false);
            var labelColumn = $"label_{id}";
            if (!rows.HasColumn(labelColumn))
            {
                throw new FormatException($"{dataPath} has no {labelColumn} column: the report needs labelled rows (the notebook's {id}.heldout.csv, or an export's {id}.csv).");
            }

            var labelled = Enumerable.Range(0, rows.RowCount).Where(r => !double.IsNaN(rows.Column(labelColumn)[r])).ToArray();
            if (labelled.Any(r => rows.Column(labelColumn)[r] is not (0 or 1)))
            {
                throw new FormatException($"{labelColumn} in {dataPath} must be 0 or 1.");
            }

            var labels = labelled.Select(r => (int)rows.Column(labelColumn)[r]).ToArray();
            var ratings = labelled.Select(r => rows.HasColumn($"rating_{id}") ? rows.Column($"rating_{id}")[r] : double.NaN).ToArray();
            var evaluations = new List<Evaluation>();
            foreach (var bundle in bundles)
            {
                var scores = await ScoreAsync(bundle, rows, labelled, ct).ConfigureAwait(false);
                evaluations.Add(Evaluation.Create(bundle, scores, labels, ratings));
                await console.Error.WriteLineAsync(FormattableString.Invariant($"  {id}@{bundle.Manifest.Version}: {scores.Count(s => s.HasValue):N0} of {labelled.Length:N0} labelled rows scored, AUC {evaluations[^1].Auc:0.0000}")).ConfigureAwait(false);
            }

            var html = ReportRenderer.Render(id, evaluations, FormattableString.Invariant($"{labelled.Length:N0} labelled rows from {Path.GetFileName(dataPath)} (sha256 {rows.Sha256[..12]}...), {labels.Count(l => l == 1):N0} labelled 1; scored by SkillInference's own engine, as the service scores requests."), TimeProvider.System.GetUtcNow());
            var outPath = parse.GetValue(output)!;
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } folder)
            {
                Directory.CreateDirectory(folder);
            }

            await File.WriteAllTextAsync(outPath, html, ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Wrote the report of {id} {string.Join(" against ", versions)} to {outPath}").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    /// <summary>Scores rows with one bundle through the real service (a private store holding just that bundle, deployed), as requests are scored.</summary>
    private static async Task<double?[]> ScoreAsync(ModelBundle bundle, TrainingDataset rows, int[] selected, CancellationToken ct)
    {
        var skill = bundle.Manifest.Skill;
        var features = bundle.Schema.Features.Select(f => f.Name).Where(rows.HasColumn).ToArray();
        if (features.Length == 0)
        {
            throw new FormatException($"The evaluation data has none of {skill}@{bundle.Manifest.Version}'s features.");
        }

        var folder = Directory.CreateTempSubdirectory("skillinf-report-");
        try
        {
            var registry = new ModelRegistry(new FileSystemModelStore(folder.FullName), formats: [.. BuiltInModelFormats.Create(), Onnx.OnnxModelFormats.Create()]);
            var context = new ChangeContext("skillinf report", "evaluation");
            await registry.PublishAsync(bundle, context, ct).ConfigureAwait(false);
            await registry.DeployAsync(skill, bundle.Manifest.Version, context, ct).ConfigureAwait(false);
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseFileSystemModelStore(folder.FullName).AddOnnx();
            await using var provider = services.BuildServiceProvider();
            var service = provider.GetRequiredService<ISkillInferenceService>();
            await service.RefreshAsync(ct).ConfigureAwait(false);
            var columns = features.Select(rows.Column).ToArray();
            var requests = selected.Select(r =>
            {
                var values = new Dictionary<string, double?>(features.Length, StringComparer.Ordinal);
                for (var f = 0; f < features.Length; f++)
                {
                    if (!double.IsNaN(columns[f][r]))
                    {
                        values[features[f]] = columns[f][r];
                    }
                }

                return new InferenceRequest(skill, values);
            }).ToArray();
            var outcomes = await service.InferBatchAsync(requests, ct).ConfigureAwait(false);
            return [.. outcomes.Select(o => o.IsSuccess ? (double?)o.Result!.Score : null)];
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
