using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The retraining path of docs/retraining.md, run once per test run on synthetic students: the batch database →
/// <c>skillinf export training-data</c> → notebooks/train_skills.ipynb executed headless by nbconvert (Debian's
/// xgboost and scikit-learn) → the pickles → tools/export_xgboost.py per skill; and xgboost's own
/// <c>predict_proba</c> of the pickles on the held-out rows (tools/tests/predict_pickles.py), the expected values.
/// The tests then import, publish, serve, smoke-test and report on what it produced.
/// </summary>
public static class RetrainingPipeline
{
    /// <summary>Students in the batch database: enough for stable models, few enough for CI (the notebook runs in ~10 s).</summary>
    public const int Students = 2500;

    /// <summary>Boosting rounds at most (early stopping picks fewer); the notebook's default is 600, CI keeps it short.</summary>
    public const int Estimators = 60;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Output? _output;

    /// <summary>What the pipeline wrote, and where.</summary>
    /// <param name="Work">The root folder.</param>
    /// <param name="TrainingData">The export (export.json and the CSVs).</param>
    /// <param name="Models">The notebook's output (pickles, metadata, held-out rows).</param>
    /// <param name="Exported">The export tool's output, one folder per skill.</param>
    /// <param name="Expected">predict_proba and feature_importances_ of the pickles, per skill.</param>
    /// <param name="Skills">The seven skill ids, in catalog order.</param>
    public sealed record Output(string Work, string TrainingData, string Models, string Exported, string Expected, IReadOnlyList<string> Skills)
    {
        /// <summary>The held-out rows of a skill (raw, missing cells empty) as request features.</summary>
        public IReadOnlyList<Dictionary<string, double?>> HeldOutRows(string skill)
        {
            var lines = File.ReadAllLines(Path.Combine(Models, $"{skill}.heldout.csv"));
            var header = lines[0].Split(',');
            var features = SampleStore.Catalog[skill].Schema.Features.Select(f => f.Name).ToHashSet();
            return [.. lines.Skip(1).Select(line => line.Split(',')
                .Select((cell, i) => (header[i], cell))
                .Where(p => features.Contains(p.Item1) && p.cell.Length > 0)
                .ToDictionary(p => p.Item1, p => (double?)double.Parse(p.cell, CultureInfo.InvariantCulture)))];
        }

        /// <summary>xgboost's predict_proba of the pickles for the held-out rows (float32 values).</summary>
        public IReadOnlyList<double> ExpectedProbabilities(string skill) =>
            [.. File.ReadAllLines(Path.Combine(Expected, $"{skill}.expected.csv")).Skip(1).Select(l => (double)float.Parse(l, CultureInfo.InvariantCulture))];

        /// <summary>The pickled classifier's feature_importances_, as xgboost computes them.</summary>
        public IReadOnlyList<double> ExpectedImportance(string skill) =>
            JsonSerializer.Deserialize<double[]>(File.ReadAllText(Path.Combine(Expected, $"{skill}.importance.json")))!;

        /// <summary>The notebook's metadata of a skill.</summary>
        public JsonDocument Metadata(string skill) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Models, $"{skill}.metadata.json")));

        /// <summary>Imports the seven exported models into a store (a folder or gs://...) and deploys them.</summary>
        public async Task ImportAllAsync(string store, string version = "2.0.0")
        {
            foreach (var skill in Skills)
            {
                var dir = Path.Combine(Exported, skill);
                var result = await Skillinf.RunAsync(
                    "import", "xgboost", "--model", Path.Combine(dir, "model.json"), "--scaler", Path.Combine(dir, "scaler.json"),
                    "--metadata", Path.Combine(dir, "metadata.json"), "--schema", SampleStore.CatalogPath,
                    "--skill", skill, "--version", version, "--store", store, "--deploy", "--actor", "retraining-test", "--reason", "Phase-0 models");
                Assert.AreEqual(0, result.ExitCode, result.ToString());
            }
        }
    }

    public static async Task<Output> EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _output ??= await RunAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<Output> RunAsync()
    {
        var work = TempDirectory.Create("retraining");
        var db = Path.Combine(work, "skills.db");
        var data = Path.Combine(work, "training-data");
        var models = Path.Combine(work, "models");
        var exported = Path.Combine(work, "exported");
        var expected = Path.Combine(work, "expected");
        var skills = SampleStore.Catalog.Skills.Select(s => s.Id).ToArray();

        await CliAsync("synth", "students", "--count", Students.ToString(CultureInfo.InvariantCulture), "--seed", "7", "--db", db, "--catalog", SampleStore.CatalogPath);
        await CliAsync("export", "training-data", "--db", db, "--out", data, "--catalog", SampleStore.CatalogPath);

        var notebook = new ProcessStartInfo("/usr/bin/jupyter")
        {
            WorkingDirectory = work,
            ArgumentList = { "nbconvert", "--to", "notebook", "--execute", Path.Combine(RepositoryRoot.Path, "notebooks", "train_skills.ipynb"), "--output", Path.Combine(work, "train_skills.executed.ipynb"), "--ExecutePreprocessor.timeout=600" },
            Environment =
            {
                ["SKILLINF_TRAINING_DATA"] = data,
                ["SKILLINF_MODELS_OUT"] = models,
                ["SKILLINF_N_ESTIMATORS"] = Estimators.ToString(CultureInfo.InvariantCulture),
                ["OMP_WAIT_POLICY"] = "PASSIVE",
                ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1",
            },
        };
        if (!File.Exists(notebook.FileName))
        {
            Assert.Fail("/usr/bin/jupyter is missing: run the tests with eng/test.sh, which installs jupyter-nbconvert, python3-ipykernel, python3-pandas, python3-matplotlib, python3-xgboost and python3-sklearn.");
        }

        var (code, text) = await ProcessRunner.RunAsync(notebook, TimeSpan.FromMinutes(10));
        Assert.AreEqual(0, code, $"the notebook failed:\n{text}");
        CopyToTestResults(Path.Combine(work, "train_skills.executed.ipynb"));

        foreach (var skill in skills)
        {
            var (exportCode, stdout, stderr) = await DebianPython.RunAsync(
                TimeSpan.FromMinutes(2), "tools/export_xgboost.py", "--model", Path.Combine(models, $"{skill}.model.pkl"), "--scaler", Path.Combine(models, $"{skill}.scaler.pkl"),
                "--training-metadata", Path.Combine(models, $"{skill}.metadata.json"), "--out", Path.Combine(exported, skill));
            Assert.AreEqual(0, exportCode, stdout + stderr);
        }

        var (predictCode, predictOut, predictErr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(2), "tools/tests/predict_pickles.py", models, expected);
        Assert.AreEqual(0, predictCode, predictOut + predictErr);
        return new Output(work, data, models, exported, expected, skills);
    }

    private static async Task CliAsync(params string[] args)
    {
        var result = await Skillinf.RunAsync(args);
        Assert.AreEqual(0, result.ExitCode, $"skillinf {string.Join(' ', args)}: {result}");
    }

    /// <summary>Keeps an artifact beside the TRX results (TestResults/ at the repository root, as eng/test.sh lays it out).</summary>
    internal static string CopyToTestResults(string file, string? name = null)
    {
        var folder = Path.Combine(RepositoryRoot.Path, "TestResults", "retraining");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, name ?? Path.GetFileName(file));
        File.Copy(file, target, overwrite: true);
        return target;
    }
}
