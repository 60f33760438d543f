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
        Assert.IsFalse(cache.TryGetLocal(key with { FeatureDigest = 2UL }, out _));
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

    [TestMethod]
    public async Task Store_ConcurrentStoresRemovesAndExpiries_CountEqualsTheEntriesHeld()
    {
        var time = new FakeTimeProvider();
        var cache = Create(time, max: 100_000);
        var skills = new[] { "s1", "s2", "s3" };

        await Parallel.ForAsync(0, 8, async (worker, ct) =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 20_000; i++)
            {
                var student = $"student-{random.Next(300)}";
                switch (random.Next(10))
                {
                    case 0:
                        await cache.InvalidateStudentAsync(student, ct);
                        break;
                    case 1:
                        cache.TryGetLocal(new InferenceCacheKey(student, skills[random.Next(3)], "1.0.0", (ulong)random.Next(3)), out _);
                        break;
                    default:
                        cache.Store(new InferenceCacheKey(student, skills[random.Next(3)], random.Next(2) == 0 ? "1.0.0" : "2.0.0", (ulong)random.Next(3)), Result(i));
                        break;
                }
            }
        });

        Assert.AreEqual(cache.CountHeld(), cache.Count);
        Assert.IsGreaterThan(0, cache.Count);
    }

    [TestMethod]
    public void Store_PastTheBound_EvictsTheOldestFirstAndKeepsTheRecentOnes()
    {
        var cache = Create(new FakeTimeProvider(), max: 100);
        InferenceCacheKey Key(int student) => new($"student-{student}", "s", "1.0.0", 7UL);

        for (var i = 0; i < 120; i++)
        {
            cache.Store(Key(i), Result(i));
        }

        Assert.AreEqual(100, cache.Count);
        Assert.AreEqual(cache.CountHeld(), cache.Count);
        for (var i = 0; i < 20; i++)
        {
            Assert.IsFalse(cache.TryGetLocal(Key(i), out _), $"student {i} is among the 20 oldest: evicted");
        }

        for (var i = 20; i < 120; i++)
        {
            Assert.IsTrue(cache.TryGetLocal(Key(i), out var hit), $"student {i}");
            Assert.AreEqual(i, hit!.Score);
        }
    }

    [TestMethod]
    public void Store_EvictingOneEntryOfAStudent_KeepsTheStudentsOtherEntries()
    {
        var cache = Create(new FakeTimeProvider(), max: 3);
        cache.Store(new("a", "s1", "1.0.0", 1UL), Result(1));
        cache.Store(new("a", "s2", "1.0.0", 1UL), Result(2));
        cache.Store(new("b", "s1", "1.0.0", 1UL), Result(3));

        cache.Store(new("c", "s1", "1.0.0", 1UL), Result(4)); // takes a/s1's slot, the oldest

        Assert.IsFalse(cache.TryGetLocal(new("a", "s1", "1.0.0", 1UL), out _));
        Assert.IsTrue(cache.TryGetLocal(new("a", "s2", "1.0.0", 1UL), out var kept));
        Assert.AreEqual(2, kept!.Score);
        Assert.AreEqual(3, cache.Count);
        Assert.AreEqual(cache.CountHeld(), cache.Count);
    }

    [TestMethod]
    public void Store_ScoresFromColumnsPastTheBound_AllocatesNothingPerEntry()
    {
        // What keeps collection pauses out of the cache: a stored score is values in a slot, not objects.
        var cache = Create(new FakeTimeProvider(), max: 4_096);
        var facts = new SkillInference.Loading.ModelFacts("s", "1.0.0", ["a", "b", "c"], [0.5, 0.3, 0.2], [0, 1, 2]);
        var buffer = new ScoreBuffer();
        buffer.Reset(1, 3);
        buffer.SetScore(0, facts, variant: false, 0.7, 0.4, 42UL, [1.0, 2.0, 3.0], [false, true, false]);
        var students = Enumerable.Range(0, 20_000).Select(i => $"student-{i}").ToArray();
        IScoreCache columns = cache;
        for (var i = 0; i < 8_192; i++)
        {
            columns.Store(new InferenceCacheKey(students[i], "s", "1.0.0", (ulong)i), buffer, 0); // pages and the index grow once
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 8_192; i < students.Length; i++)
        {
            columns.Store(new InferenceCacheKey(students[i], "s", "1.0.0", (ulong)i), buffer, 0);
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before, "bytes allocated by 11,808 stores past the bound");
        Assert.AreEqual(4_096, cache.Count);
        Assert.IsTrue(cache.TryGetLocal(new InferenceCacheKey(students[^1], "s", "1.0.0", (ulong)(students.Length - 1)), out var hit));
        Assert.AreEqual(0.7, hit!.Score);
        CollectionAssert.AreEqual(new[] { "b" }, hit.ImputedFeatures.ToArray());
        Assert.AreEqual(2.0, hit.TopFeatures[1].Value);
        Assert.IsTrue(hit.Cached);
    }

    [TestMethod]
    public void Store_SameStudentSkillAndVersionWithNewFeatures_ReplacesTheEntry()
    {
        var cache = Create(new FakeTimeProvider());
        cache.Store(new InferenceCacheKey("a", "s", "1.0.0", 1UL), Result(0.1));

        cache.Store(new InferenceCacheKey("a", "s", "1.0.0", 2UL), Result(0.2));

        Assert.AreEqual(1, cache.Count);
        Assert.IsFalse(cache.TryGetLocal(new InferenceCacheKey("a", "s", "1.0.0", 1UL), out _));
        Assert.IsTrue(cache.TryGetLocal(new InferenceCacheKey("a", "s", "1.0.0", 2UL), out var hit));
        Assert.AreEqual(0.2, hit!.Score);
    }
}
