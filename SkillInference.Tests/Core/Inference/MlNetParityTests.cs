using SkillInference.Inference;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

/// <summary>The service's scores equal ML.NET's own PredictionEngine on the same model and rows, for every sample skill.</summary>
[TestClass]
public sealed class MlNetParityTests
{
    private static ServiceHarness _harness = null!;

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context) => _harness = await ServiceHarness.StartAsync(SampleStore.Path);

    [ClassCleanup]
    public static async Task CleanupAsync() => await _harness.DisposeAsync();

    public static IEnumerable<object[]> Skills => SampleStoreSkills.Ids.Select(s => new object[] { s });

    [TestMethod]
    [DynamicData(nameof(Skills))]
    public async Task InferAsync_CompleteRows_EqualMlNetPredictionEngineExactly(string skill)
    {
        var bundle = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(bundle);
        var rows = SampleRows.CompleteRequests(bundle.Schema, 300);
        Assert.IsGreaterThan(100, rows.Count);

        foreach (var row in rows)
        {
            var result = await _harness.Service.InferAsync(new InferenceRequest(skill, row));
            var expected = reference.PredictRaw([.. bundle.Schema.Features.Select(f => row[f.Name]!.Value)]);

            Assert.AreEqual((double)expected, result.Score);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Skills))]
    public async Task InferAsync_RowsWithMissingValues_EqualMlNetWithTheManifestImputation(string skill)
    {
        var bundle = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(bundle);
        var rows = SampleRows.Requests(bundle.Schema, 400).Where(r => r.Count < bundle.Schema.Count).Take(100).ToArray();
        Assert.IsGreaterThan(20, rows.Length);

        foreach (var row in rows)
        {
            var result = await _harness.Service.InferAsync(new InferenceRequest(skill, row));
            var raw = bundle.Schema.Features.Select((f, i) => row.TryGetValue(f.Name, out var v) ? v!.Value : f.Missing.Rule switch
            {
                MissingValueStrategy.Median => bundle.Manifest.Statistics[i].Median,
                MissingValueStrategy.Mean => bundle.Manifest.Statistics[i].Mean,
                MissingValueStrategy.Constant => f.Missing.Value!.Value,
                _ => double.NaN,
            }).ToArray();

            Assert.AreEqual((double)reference.PredictRaw(raw), result.Score);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Skills))]
    public async Task Manifest_Importance_EqualsMlNetGainImportance(string skill)
    {
        var bundle = await SampleStore.LoadBundleAsync(skill);

        var expected = new MlNetReference(bundle).GainImportance();

        var actual = bundle.Manifest.Importance.Select(i => i.Gain).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-9, bundle.Schema.Features[i].Name);
        }
    }
}
