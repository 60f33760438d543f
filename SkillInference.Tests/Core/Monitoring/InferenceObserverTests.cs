using Microsoft.Extensions.DependencyInjection;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Monitoring;

/// <summary>The pipeline's observer hook: every scored group is shown once, with the rows and probabilities it served.</summary>
[TestClass]
public sealed class InferenceObserverTests
{
    [TestMethod]
    public async Task Observers_SeeEachScoredGroupOnce_WithTheScoresTheCallerGot_AndCacheHitsCounted()
    {
        var observer = new RecordingObserver();
        var throwing = new FakeThrowingObserver();
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path, services =>
        {
            services.AddSingleton<IInferenceObserver>(throwing);
            services.AddSingleton<IInferenceObserver>(observer);
        });
        var schema = SampleStore.Catalog["collaboration"].Schema;
        var rows = SampleRows.Requests(schema, 5);
        var requests = rows.Select((r, i) => new InferenceRequest("collaboration", r, $"observed-{i}")).ToArray();

        var first = await harness.Service.InferBatchAsync(requests);
        var second = await harness.Service.InferBatchAsync(requests);

        Assert.HasCount(2, observer.Groups);
        var (skill, variant, scores, featureCount, rowFloats, cached) = observer.Groups[0];
        Assert.AreEqual("collaboration", skill);
        Assert.AreEqual("deployed", variant);
        Assert.AreEqual(0, cached);
        Assert.AreEqual(schema.Features.Count, featureCount);
        Assert.AreEqual(5 * featureCount, rowFloats);
        CollectionAssert.AreEqual(first.Select(r => r.Result!.Score).ToArray(), scores.Select(p => Math.Clamp((double)p, 0, 1)).ToArray());
        Assert.AreEqual(5, observer.Groups[1].Cached, "the repeat is answered from the cache, and the observer is told so");
        Assert.IsEmpty(observer.Groups[1].Scores);
        CollectionAssert.AreEqual(first.Select(r => r.Result!.Score).ToArray(), second.Select(r => r.Result!.Score).ToArray(), "a throwing observer does not fail requests");
    }

    private sealed class RecordingObserver : IInferenceObserver
    {
        public List<(string Skill, string Variant, float[] Scores, int FeatureCount, int RowFloats, int Cached)> Groups { get; } = [];

        public void OnScored(in ScoredGroup group)
        {
            lock (Groups)
            {
                Groups.Add((group.Model.Skill, group.Variant, group.Probabilities.ToArray(), group.FeatureCount, group.Rows.Length, group.Cached));
            }
        }
    }

    private sealed class FakeThrowingObserver : IInferenceObserver
    {
        public void OnScored(in ScoredGroup group) => throw new InvalidOperationException("observer fault");
    }
}
