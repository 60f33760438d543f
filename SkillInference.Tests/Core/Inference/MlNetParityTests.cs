using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

/// <summary>
/// The service's scores equal ML.NET's own PredictionEngine (set up by the test, <see cref="MlNetReference"/>) on the
/// same model and rows, for every sample skill, on both engines of mlnet bundles: the compiled evaluator (Auto) and the
/// Reference engine (the service's pooled ML.NET PredictionEngine), each checked to be the one serving.
/// </summary>
[TestClass]
public sealed class MlNetParityTests
{
    private static readonly Dictionary<ScoringEngine, ServiceHarness> Harnesses = [];

    public static IEnumerable<object[]> Skills => SampleStoreSkills.Ids.Select(s => new object[] { s });

    /// <summary>Every sample skill on each engine, with the engine name the service must report.</summary>
    public static IEnumerable<object[]> SkillsOnEachEngine =>
        from skill in SampleStoreSkills.Ids
        from engine in new (ScoringEngine Engine, string Name)[] { (ScoringEngine.Auto, "compiled-trees"), (ScoringEngine.Reference, "mlnet") }
        select new object[] { skill, engine.Engine, engine.Name };

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context)
    {
        foreach (var engine in new[] { ScoringEngine.Auto, ScoringEngine.Reference })
        {
            Harnesses[engine] = await ServiceHarness.StartAsync(SampleStore.Path, engine: engine);
        }
    }

    [ClassCleanup]
    public static async Task CleanupAsync()
    {
        foreach (var harness in Harnesses.Values)
        {
            await harness.DisposeAsync();
        }
    }

    [TestMethod]
    [DynamicData(nameof(SkillsOnEachEngine))]
    public async Task InferAsync_CompleteRows_EqualMlNetPredictionEngineExactly(string skill, ScoringEngine engine, string engineName)
    {
        var service = ServiceOn(engine, skill, engineName);
        var bundle = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(bundle);
        var rows = SampleRows.CompleteRequests(bundle.Schema, 300);
        Assert.IsGreaterThan(100, rows.Count);

        foreach (var row in rows)
        {
            var result = await service.InferAsync(new InferenceRequest(skill, row));
            var expected = reference.PredictRaw([.. bundle.Schema.Features.Select(f => row[f.Name]!.Value)]);

            Assert.AreEqual((double)expected, result.Score);
        }
    }

    [TestMethod]
    [DynamicData(nameof(SkillsOnEachEngine))]
    public async Task InferAsync_RowsWithMissingValues_EqualMlNetWithTheManifestImputation(string skill, ScoringEngine engine, string engineName)
    {
        var service = ServiceOn(engine, skill, engineName);
        var bundle = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(bundle);
        var rows = SampleRows.Requests(bundle.Schema, 400).Where(r => r.Count < bundle.Schema.Count).Take(100).ToArray();
        Assert.IsGreaterThan(20, rows.Length);

        foreach (var row in rows)
        {
            var result = await service.InferAsync(new InferenceRequest(skill, row));

            Assert.AreEqual((double)reference.PredictRaw(SampleRows.Imputed(bundle, row)), result.Score);
        }
    }

    [TestMethod]
    [DynamicData(nameof(SkillsOnEachEngine))]
    public async Task InferBatchAsync_Rows_EqualMlNetPredictionEngineExactly(string skill, ScoringEngine engine, string engineName)
    {
        var service = ServiceOn(engine, skill, engineName);
        var bundle = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(bundle);
        var rows = SampleRows.Requests(bundle.Schema, 400);

        var outcomes = await service.InferBatchAsync([.. rows.Select(r => new InferenceRequest(skill, r))]);

        Assert.HasCount(rows.Count, outcomes);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.IsTrue(outcomes[i].IsSuccess, outcomes[i].Error?.Message);
            Assert.AreEqual((double)reference.PredictRaw(SampleRows.Imputed(bundle, rows[i])), outcomes[i].Result!.Score, $"row {i}");
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

    /// <summary>The service on <paramref name="engine"/>, checked to serve <paramref name="skill"/> on the engine named <paramref name="engineName"/>.</summary>
    private static ISkillInferenceService ServiceOn(ScoringEngine engine, string skill, string engineName)
    {
        var service = Harnesses[engine].Service;
        Assert.AreEqual(engineName, service.LoadedModels.Single(m => m.Skill == skill && m.Role == "deployed").Engine);
        return service;
    }
}
