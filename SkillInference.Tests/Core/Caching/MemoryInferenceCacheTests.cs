using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Caching;
using SkillInference.Inference;

namespace SkillInference.Tests.Core.Caching;

[TestClass]
public sealed class MemoryInferenceCacheTests
{
    private static InferenceResult Result(double score) => new()
    {
        Skill = "s", Score = score, Confidence = 0, ModelVersion = "1.0.0", Variant = "deployed", TopFeatures = [], ImputedFeatures = [],
    };

    private static MemoryInferenceCache Create(FakeTimeProvider time, int max = 1000, TimeSpan? ttl = null) =>
        new(Options.Create(new InferenceCacheOptions { MaxMemoryEntries = max, MemoryTimeToLive = ttl ?? TimeSpan.FromMinutes(10) }), time);

    [TestMethod]
    public void TryGetLocal_AfterStore_ReturnsTheResultMarkedCached()
    {
        var cache = Create(new FakeTimeProvider());
        var key = new InferenceCacheKey("k1", "s", "1.0.0", 1UL);

        cache.Store(key, Result(0.7));

        Assert.IsTrue(cache.TryGetLocal(key, out var hit));
        Assert.AreEqual(0.7, hit!.Score);
        Assert.IsTrue(hit.Cached);
        Assert.IsFalse(cache.TryGetLocal(key with { FeatureHash = 2UL }, out _));
    }

    [TestMethod]
    public void TryGetLocal_AfterTimeToLive_Misses()
    {
        var time = new FakeTimeProvider();
        var cache = Create(time, ttl: TimeSpan.FromMinutes(5));
        var key = new InferenceCacheKey("k1", "s", "1.0.0", 1UL);
        cache.Store(key, Result(0.7));

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.IsTrue(cache.TryGetLocal(key, out _));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.IsFalse(cache.TryGetLocal(key, out _));
        Assert.AreEqual(0, cache.Count);
    }

    [TestMethod]
    public void Store_BeyondTheBound_KeepsTheCountBounded()
    {
        var cache = Create(new FakeTimeProvider(), max: 500);

        for (var i = 0; i < 5_000; i++)
        {
            cache.Store(new InferenceCacheKey($"student-{i % 2000}", "s", "1.0.0", (ulong)i), Result(i));
        }

        Assert.IsLessThanOrEqualTo(500, cache.Count);
        Assert.IsGreaterThan(0, cache.Count);
    }

    [TestMethod]
    public async Task InvalidateStudentAsync_RemovesEveryEntryOfThatStudentOnly()
    {
        var cache = Create(new FakeTimeProvider());
        cache.Store(new("a", "s1", "1.0.0", 1UL), Result(1));
        cache.Store(new("a", "s2", "2.0.0", 1UL), Result(2));
        cache.Store(new("b", "s1", "1.0.0", 1UL), Result(3));

        await cache.InvalidateStudentAsync("a", CancellationToken.None);

        Assert.IsFalse(cache.TryGetLocal(new("a", "s1", "1.0.0", 1UL), out _));
        Assert.IsFalse(cache.TryGetLocal(new("a", "s2", "2.0.0", 1UL), out _));
        Assert.IsTrue(cache.TryGetLocal(new("b", "s1", "1.0.0", 1UL), out _));
        Assert.AreEqual(1, cache.Count);
    }
}
