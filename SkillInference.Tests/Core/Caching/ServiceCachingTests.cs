using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Caching;

/// <summary>The service with the default in-memory cache: what is cached, what is not, and that no stale score is served.</summary>
[TestClass]
public sealed class ServiceCachingTests
{
    private static readonly ChangeContext Operator = new("test", "cache test");

    private static Dictionary<string, double?> Row(string skill, int index = 0) => SampleRows.CompleteRequests(SampleStore.Catalog[skill].Schema, index + 1)[index];

    [TestMethod]
    public async Task InferAsync_SameStudentAndFeaturesTwice_SecondIsCachedAndEqual()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");

        var first = await harness.Service.InferAsync(request);
        var second = await harness.Service.InferAsync(request);

        Assert.IsFalse(first.Cached);
        Assert.IsTrue(second.Cached);
        Assert.AreEqual(first with { Cached = true }, second with { TopFeatures = first.TopFeatures, ImputedFeatures = first.ImputedFeatures });
        CollectionAssert.AreEqual(first.TopFeatures.ToArray(), second.TopFeatures.ToArray());
    }

    [TestMethod]
    public async Task InferAsync_WithoutStudentId_IsNeverCached()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var request = new InferenceRequest("collaboration", Row("collaboration"));

        await harness.Service.InferAsync(request);
        var again = await harness.Service.InferAsync(request);

        Assert.IsFalse(again.Cached);
    }

    [TestMethod]
    public async Task InferAsync_FeatureChanged_ComputesTheNewScore()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var features = Row("curiosity");
        await harness.Service.InferAsync(new InferenceRequest("curiosity", features, "S1"));
        var changed = new Dictionary<string, double?>(features) { ["questions_asked_per_week"] = features["questions_asked_per_week"] + 7 };

        var result = await harness.Service.InferAsync(new InferenceRequest("curiosity", changed, "S1"));
        var uncached = await harness.Service.InferAsync(new InferenceRequest("curiosity", changed));

        Assert.IsFalse(result.Cached);
        Assert.AreEqual(uncached.Score, result.Score);
    }

    [TestMethod]
    public async Task InferAsync_AfterDeploy_NeverServesTheOldVersionsScore()
    {
        await using var harness = await ServiceHarness.StartAsync();
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");
        var before = await harness.Service.InferAsync(request);
        await harness.Service.InferAsync(request);
        await harness.Registry.PublishAsync(TestBundles.Train("collaboration", "1.1.0", trees: 15, seed: 4), Operator);
        await harness.Registry.DeployAsync("collaboration", "1.1.0", Operator);
        await harness.Service.RefreshAsync();

        var after = await harness.Service.InferAsync(request);

        Assert.AreEqual("1.1.0", after.ModelVersion);
        Assert.IsFalse(after.Cached);
        Assert.AreNotEqual(before.Score, after.Score);
    }

    [TestMethod]
    public async Task InvalidateStudentAsync_CachedSkills_AreComputedAgain()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var a = new InferenceRequest("collaboration", Row("collaboration"), "S1");
        var b = new InferenceRequest("curiosity", Row("curiosity"), "S1");
        var other = new InferenceRequest("curiosity", Row("curiosity"), "S2");
        foreach (var r in new[] { a, b, other })
        {
            await harness.Service.InferAsync(r);
        }

        await harness.Service.InvalidateStudentAsync("S1");

        Assert.IsFalse((await harness.Service.InferAsync(a)).Cached);
        Assert.IsFalse((await harness.Service.InferAsync(b)).Cached);
        Assert.IsTrue((await harness.Service.InferAsync(other)).Cached);
    }

    [TestMethod]
    public async Task InferAsync_ExplainAfterPlainCached_ComputesTheExplanationThenCachesIt()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var features = Row("persistence");
        await harness.Service.InferAsync(new InferenceRequest("persistence", features, "S1"));

        var explained = await harness.Service.InferAsync(new InferenceRequest("persistence", features, "S1", Explain: true));
        var again = await harness.Service.InferAsync(new InferenceRequest("persistence", features, "S1", Explain: true));

        Assert.IsFalse(explained.Cached);
        Assert.IsNotNull(explained.Explanation);
        Assert.IsTrue(again.Cached);
        Assert.AreEqual(explained.Explanation!.LogOdds, again.Explanation!.LogOdds);
    }

    [TestMethod]
    public async Task InferBatchAsync_RepeatedBatch_ServesItemsWithStudentIdsFromCache()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var rows = SampleRows.Requests(SampleStore.Catalog["communication"].Schema, 60);
        var items = rows.Select((r, i) => new InferenceRequest("communication", r, i % 2 == 0 ? $"S{i}" : null)).ToArray();
        var first = await harness.Service.InferBatchAsync(items);

        var second = await harness.Service.InferBatchAsync(items);

        for (var i = 0; i < items.Length; i++)
        {
            Assert.AreEqual(first[i].Result!.Score, second[i].Result!.Score);
            Assert.AreEqual(items[i].StudentId is not null, second[i].Result!.Cached, $"item {i}");
        }
    }

    [TestMethod]
    public async Task InferAsync_HitsAndMisses_AreCountedPerSkill()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        using var lookups = new MetricCollector<long>(harness.Services.GetRequiredService<SkillInferenceMetrics>().Meter, "skillinference.cache.lookups");
        var request = new InferenceRequest("creativity", Row("creativity"), "S1");

        for (var i = 0; i < 4; i++)
        {
            await harness.Service.InferAsync(request);
        }

        var byResult = lookups.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["result"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.AreEqual(1, byResult["miss"]);
        Assert.AreEqual(3, byResult["memory"]);
        Assert.IsTrue(lookups.GetMeasurementSnapshot().All(m => (string)m.Tags["skill"]! == "creativity"));
    }

    [TestMethod]
    public async Task InferAllSkillsAsync_SameStudentTwice_SecondAnswersEverySkillFromCache()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var student = SampleRows.Student(3);

        var first = await harness.Service.InferAllSkillsAsync(student, "S3");
        var second = await harness.Service.InferAllSkillsAsync(student, "S3");
        var anonymous = await harness.Service.InferAllSkillsAsync(student);

        Assert.IsTrue(first.All(o => o.IsSuccess && !o.Result!.Cached));
        Assert.IsTrue(second.All(o => o.IsSuccess && o.Result!.Cached));
        Assert.IsTrue(anonymous.All(o => !o.Result!.Cached));
        CollectionAssert.AreEqual(first.Select(o => o.Result!.Score).ToArray(), second.Select(o => o.Result!.Score).ToArray());
        // A single-skill call for the same student and features shares the entries.
        var schema = SampleStore.Catalog["collaboration"].Schema;
        var own = student.Where(kv => schema.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.IsTrue((await harness.Service.InferAsync(new InferenceRequest("collaboration", own, "S3"))).Cached);
    }

    [TestMethod]
    public async Task InferAsync_CacheTurnedOff_NeverCaches()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path, s => s.AddSkillInference().WithoutCache());
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");

        await harness.Service.InferAsync(request);

        Assert.IsFalse((await harness.Service.InferAsync(request)).Cached);
    }
}
