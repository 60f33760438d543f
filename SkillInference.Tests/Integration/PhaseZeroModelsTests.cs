using System.Text.Json;
using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The seven Phase-0 models as the notebook trains them (<see cref="RetrainingPipeline"/>): imported bundles carry
/// the training date, metrics, training statistics and reference histograms, their importance is the pickled
/// classifier's <c>feature_importances_</c>, and they score the held-out rows exactly as xgboost's own
/// <c>predict_proba</c> of the pickles — including rows with missing values, which the catalog's median, mean and
/// constant rules fill in from the bundle as the notebook did before training.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PhaseZeroModelsTests
{
    private static RetrainingPipeline.Output _pipeline = null!;
    private static string _store = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _pipeline = await RetrainingPipeline.EnsureAsync();
        _store = TempDirectory.Create("phase0-store");
        await _pipeline.ImportAllAsync(_store);
    }

    [TestMethod]
    public async Task Import_NotebookOutput_ImportanceEqualsFeatureImportancesOfThePickle()
    {
        foreach (var skill in _pipeline.Skills)
        {
            var manifest = (await LoadAsync(skill)).Manifest;
            var expected = _pipeline.ExpectedImportance(skill);

            CollectionAssert.AreEqual(SampleStore.Catalog[skill].Schema.Features.Select(f => f.Name).ToArray(), manifest.Importance.Select(i => i.Feature).ToArray(), skill);
            CollectionAssert.AreEqual(expected.ToArray(), manifest.Importance.Select(i => i.Gain).ToArray(), $"{skill}: importance is feature_importances_ bit for bit");
            Assert.AreEqual(1.0, manifest.Importance.Sum(i => i.Gain), 1e-6, skill);
        }
    }

    [TestMethod]
    public async Task Import_NotebookOutput_CarriesTrainingDateMetricsStatisticsAndReference()
    {
        using var export = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_pipeline.TrainingData, "export.json")));
        foreach (var skill in _pipeline.Skills)
        {
            var manifest = (await LoadAsync(skill)).Manifest;
            using var metadata = _pipeline.Metadata(skill);
            var meta = metadata.RootElement;

            Assert.AreEqual(DateTimeOffset.Parse(meta.GetProperty("trained_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture), manifest.TrainedAt, skill);
            var exported = export.RootElement.GetProperty("skills").EnumerateArray().Single(s => s.GetProperty("skill").GetString() == skill);
            Assert.AreEqual(exported.GetProperty("sha256").GetString(), manifest.TrainingDataSha256, $"{skill}: the hash of the exported CSV it was trained on");
            var metrics = meta.GetProperty("metrics");
            Assert.AreEqual(metrics.GetProperty("auc").GetDouble(), manifest.Metrics.Auc, skill);
            Assert.AreEqual(metrics.GetProperty("pearson_r").GetDouble(), manifest.Metrics.PearsonR, skill);
            Assert.AreEqual(metrics.GetProperty("test_count").GetInt32(), manifest.Metrics.TestCount, skill);
            Assert.IsGreaterThan(0.7, manifest.Metrics.Auc!.Value, $"{skill}: a model that learned something");

            var statistics = meta.GetProperty("statistics").EnumerateArray().ToArray();
            Assert.HasCount(statistics.Length, manifest.Statistics, skill);
            for (var f = 0; f < statistics.Length; f++)
            {
                Assert.AreEqual(statistics[f].GetProperty("name").GetString(), manifest.Statistics[f].Name);
                Assert.AreEqual(statistics[f].GetProperty("median").GetDouble(), manifest.Statistics[f].Median, $"{skill}.{manifest.Statistics[f].Name} median");
                Assert.AreEqual(statistics[f].GetProperty("mean").GetDouble(), manifest.Statistics[f].Mean, $"{skill}.{manifest.Statistics[f].Name} mean");
                Assert.AreEqual(statistics[f].GetProperty("missing_rate").GetDouble(), manifest.Statistics[f].MissingRate);
            }

            Assert.AreEqual((long)manifest.Metrics.TestCount!, manifest.Reference.Score!.Counts.Sum() + manifest.Reference.Score.Missing, $"{skill}: the held-out scores' histogram");
            CollectionAssert.AreEquivalent(manifest.Features.Select(f => f.Name).ToArray(), manifest.Reference.Features.Keys.ToArray(), $"{skill}: a histogram per feature");
            Assert.IsTrue(manifest.Features.Any(f => f.Missing.Rule is Schema.MissingValueStrategy.Median or Schema.MissingValueStrategy.Mean), $"{skill}: the catalog's median/mean rules are in the bundle");
        }
    }

    [TestMethod]
    public async Task Serve_SevenBundles_EqualPredictProbaOfThePicklesBitForBit()
    {
        await using var harness = await ServiceHarness.StartAsync(_store);
        foreach (var skill in _pipeline.Skills)
        {
            var rows = _pipeline.HeldOutRows(skill);
            var expected = _pipeline.ExpectedProbabilities(skill);
            Assert.HasCount(rows.Count, expected);
            Assert.IsTrue(rows.Any(r => r.Count < SampleStore.Catalog[skill].Schema.Count), $"{skill}: some held-out rows have missing features");

            var outcomes = await harness.Service.InferBatchAsync([.. rows.Select(r => new InferenceRequest(skill, r))]);

            for (var i = 0; i < rows.Count; i++)
            {
                Assert.IsTrue(outcomes[i].IsSuccess, $"{skill} row {i}: {outcomes[i].Error?.Message}");
                Assert.AreEqual(expected[i], outcomes[i].Result!.Score, $"{skill} row {i}: the score equals predict_proba bit for bit");
                Assert.AreEqual("2.0.0", outcomes[i].Result!.ModelVersion);
            }
        }
    }

    [TestMethod]
    public async Task ExportTool_TrainingMetadataForOtherFeatures_RefusesAndWritesNothing()
    {
        using var metadata = _pipeline.Metadata("curiosity");
        var edited = System.Text.Json.Nodes.JsonNode.Parse(metadata.RootElement.GetRawText())!;
        edited["statistics"]![0]!["name"] = "question_rat";
        var work = TempDirectory.Create("refuse");
        var path = Path.Combine(work, "curiosity.metadata.json");
        await File.WriteAllTextAsync(path, edited.ToJsonString());
        var output = Path.Combine(work, "out");

        var (code, stdout, stderr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(2), "tools/export_xgboost.py", "--model", Path.Combine(_pipeline.Models, "curiosity.model.pkl"), "--scaler", Path.Combine(_pipeline.Models, "curiosity.scaler.pkl"), "--training-metadata", path, "--out", output);

        Assert.AreEqual(2, code, stdout + stderr);
        StringAssert.Contains(stderr, "error: --training-metadata: statistics are for ['question_rat'");
        Assert.IsFalse(Directory.Exists(output), "nothing written");
    }

    private static async Task<ModelBundle> LoadAsync(string skill) =>
        await new ModelRegistry(new FileSystemModelStore(_store)).Bundles.ReadAsync(skill, "2.0.0");
}
