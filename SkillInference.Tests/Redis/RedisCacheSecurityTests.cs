using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkillInference.Caching;
using SkillInference.Inference;
using SkillInference.Redis;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;
using StackExchange.Redis;

namespace SkillInference.Tests.Redis;

/// <summary>Findings 3, 4, 5, 8 and 14 on the Redis cache (real redis-server processes where Redis is involved).</summary>
[TestClass]
public sealed class RedisCacheSecurityTests
{
    private const string Secret = "test-secret-0123456789abcdef";

    private static InferenceResult Result(double score) => new()
    {
        Skill = "s", Score = score, Confidence = 0, ModelVersion = "1.0.0", Variant = "deployed", TopFeatures = [], ImputedFeatures = [],
    };

    private static RedisInferenceCache Unreachable(int maxPending = 10_000) => new(
        Options.Create(new RedisCacheOptions { Configuration = $"127.0.0.1:{ProcessRunner.FreePort()}", KeyPrefix = "t:", MaxPendingInvalidations = maxPending }),
        Options.Create(new InferenceCacheOptions { KeySecret = Secret }));

    /// <summary>Finding 3: a Redis cache without a key secret refuses to start (no built-in key whose ids could be brute-forced).</summary>
    [TestMethod]
    public void Host_RedisCacheWithoutKeySecret_RefusesToStartNamingTheSetting()
    {
        using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?>
        {
            ["SkillInference:Cache:Kind"] = "Redis",
            ["SkillInference:Cache:Redis"] = $"127.0.0.1:{ProcessRunner.FreePort()}",
        });

        var ex = Assert.Throws<Exception>(() => factory.CreateClient());

        Assert.Contains("SkillInference:Cache:KeySecret", ex.ToString());
    }

    /// <summary>
    /// Finding 5: the unkeyed feature hash is invertible, so a different row with the same hash is easy to make; the
    /// cache keys rows by a keyed digest stored with the entry, and such a row is a miss in both layers.
    /// </summary>
    [TestMethod]
    public async Task Lookup_RowCraftedToCollideWithTheFeatureHash_IsAMissInBothLayers()
    {
        float[] row = [0.25f, -1.5f, 3.75f, 2.0f];
        var crafted = FeatureHashCollision.Craft(row);
        Assert.AreEqual(FeatureHash.Compute(row), FeatureHash.Compute(crafted), "the crafted row collides with the unkeyed hash");
        CollectionAssert.AreNotEqual(row, crafted);
        var memory = new MemoryInferenceCache(Options.Create(new InferenceCacheOptions()));
        memory.Store(new InferenceCacheKey("S1", "s", "1.0.0", memory.FeatureDigest(row)), Result(0.9));

        Assert.IsFalse(memory.TryGetLocal(new InferenceCacheKey("S1", "s", "1.0.0", memory.FeatureDigest(crafted)), out _), "memory layer");
        Assert.IsTrue(memory.TryGetLocal(new InferenceCacheKey("S1", "s", "1.0.0", memory.FeatureDigest(row)), out _));

        await using var redis = await RedisServer.StartAsync();
        await using var writer = Connected(redis);
        await using var reader = Connected(redis);
        Assert.IsTrue(await writer.WaitUntilAvailableAsync(TimeSpan.FromSeconds(20)) && await reader.WaitUntilAvailableAsync(TimeSpan.FromSeconds(20)));
        var key = new InferenceCacheKey(writer.StudentKey("S1"), "s", "1.0.0", writer.FeatureDigest(row));
        writer.Store(key, Result(0.9));
        var forged = key with { FeatureDigest = reader.FeatureDigest(crafted) };

        // Even an entry copied under the crafted row's name is not served: the digest stored with it is the original row's.
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var hash = new RedisKey("t:s:" + key.StudentKey);
        await WaitAsync(async () => await admin.GetDatabase().HashExistsAsync(hash, key.EntryName));
        await admin.GetDatabase().HashSetAsync(hash, forged.EntryName, await admin.GetDatabase().HashGetAsync(hash, key.EntryName));

        Assert.IsNull((await reader.GetSharedAsync([forged], CancellationToken.None))[0], "shared layer");
        Assert.IsNotNull((await reader.GetSharedAsync([key with { StudentKey = reader.StudentKey("S1") }], CancellationToken.None))[0]);
    }

    /// <summary>
    /// Finding 4: through an outage and a recovery, with lookups and stores running concurrently (stores never probe),
    /// the shared cache is used again within seconds of Redis returning; nothing throws.
    /// </summary>
    [TestMethod]
    public async Task Breaker_OutageAndRecoveryUnderConcurrentLookupsAndStores_UsesTheSharedCacheAgainWithinSeconds()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cache = Connected(redis, budget: TimeSpan.FromMilliseconds(200));
        Assert.IsTrue(await cache.WaitUntilAvailableAsync(TimeSpan.FromSeconds(20)));
        using var stop = new CancellationTokenSource();
        var keys = Enumerable.Range(0, 50).Select(i => new InferenceCacheKey(cache.StudentKey($"S{i}"), "s", "1.0.0", (ulong)i)).ToArray();
        var failures = 0;
        var load = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var key = keys[i++ % keys.Length];
                    cache.Store(key, Result(0.5));
                    await cache.GetSharedAsync([key], CancellationToken.None);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }

                await Task.Delay(2);
            }
        })).ToArray();

        await Task.Delay(300);
        await redis.KillAsync();
        await WaitAsync(() => Task.FromResult(!cache.RedisAvailable));
        await Task.Delay(3000); // longer than the break duration: half-open probes happen while Redis is down
        await redis.RestartAsync();
        var restarted = DateTime.UtcNow;
        await WaitAsync(() => Task.FromResult(cache.RedisAvailable), TimeSpan.FromSeconds(15));
        var recovery = DateTime.UtcNow - restarted;
        var fresh = new InferenceCacheKey(cache.StudentKey("S-after"), "s", "1.0.0", 99UL);
        cache.Store(fresh, Result(0.7));
        await using var other = Connected(redis);
        Assert.IsTrue(await other.WaitUntilAvailableAsync(TimeSpan.FromSeconds(20)));
        await WaitAsync(async () => (await other.GetSharedAsync([fresh with { StudentKey = other.StudentKey("S-after") }], CancellationToken.None))[0] is not null);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.AreEqual(0, failures, "no lookup or store threw");
        Assert.IsLessThan(TimeSpan.FromSeconds(10), recovery, $"available again {recovery.TotalSeconds:0.0} s after Redis returned");
    }

    /// <summary>Finding 8: during an outage the pending invalidations stay bounded.</summary>
    [TestMethod]
    public async Task InvalidateStudentAsync_ManyDuringAnOutage_PendingListStaysBounded()
    {
        await using var cache = Unreachable(maxPending: 100);
        await cache.WaitForConnectionAsync();

        for (var i = 0; i < 5_000; i++)
        {
            await cache.InvalidateStudentAsync($"S{i}", CancellationToken.None);
        }

        Assert.IsLessThanOrEqualTo(100, cache.PendingInvalidations);
    }

    /// <summary>Finding 14, on the Redis wrapper's memory layer: the count stays exact under concurrent stores and invalidations.</summary>
    [TestMethod]
    public async Task Count_ConcurrentStoresAndInvalidationsThroughTheRedisWrapper_EqualsTheEntriesHeld()
    {
        await using var cache = Unreachable();
        await cache.WaitForConnectionAsync();

        await Parallel.ForAsync(0, 40_000, async (i, ct) =>
        {
            var student = $"S{i % 97}";
            if (i % 5 == 0)
            {
                await cache.InvalidateStudentAsync(student, ct);
            }
            else
            {
                cache.Store(new InferenceCacheKey(cache.StudentKey(student), $"skill{i % 3}", "1.0.0", (ulong)(i % 7)), Result(0.5));
            }
        });

        Assert.AreEqual(cache.Local.CountHeld(), cache.Local.Count);
    }

    private static RedisInferenceCache Connected(RedisServer redis, TimeSpan? budget = null) => new(
        Options.Create(new RedisCacheOptions { Configuration = redis.ConnectionString, KeyPrefix = "t:", OperationBudget = budget ?? TimeSpan.FromSeconds(2) }),
        Options.Create(new InferenceCacheOptions { KeySecret = Secret }));

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out");
            await Task.Delay(25);
        }
    }
}

/// <summary>Makes a row with the same unkeyed <see cref="FeatureHash"/> as another (its rounds are invertible), as an attacker would.</summary>
internal static class FeatureHashCollision
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    public static float[] Craft(float[] row)
    {
        if (row.Length != 4)
        {
            throw new ArgumentException("A row of 4 features (two lanes).", nameof(row));
        }

        var seed = Prime3 ^ ((ulong)row.Length * Prime1);
        var lane1 = Lane(row[0], row[1]);
        var target = Round(Round(seed, lane1), Lane(row[2], row[3]));
        for (ulong tweak = 1; ; tweak++)
        {
            var other1 = lane1 ^ (tweak << 8);
            var h1 = Round(seed, other1);
            // Round(h1, l2) = rotl(h1 ^ f(l2), 27) * P1 + C: solve f(l2) = rotr((target - C) * P1^-1, 27) ^ h1.
            var mixed = ulong.RotateRight((target - 0x85EBCA77C2B2AE63UL) * Inverse(Prime1), 27) ^ h1;
            var lane2 = ulong.RotateRight(mixed * Inverse(Prime1), 31) * Inverse(Prime2);
            float[] crafted = [Float((uint)other1), Float((uint)(other1 >> 32)), Float((uint)lane2), Float((uint)(lane2 >> 32))];
            if (crafted.All(v => float.IsFinite(v) && v != 0) && Lane(crafted[0], crafted[1]) == other1 && Lane(crafted[2], crafted[3]) == lane2)
            {
                return crafted;
            }
        }
    }

    private static ulong Lane(float a, float b) => ((ulong)BitConverter.SingleToUInt32Bits(b) << 32) | BitConverter.SingleToUInt32Bits(a);

    private static float Float(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    private static ulong Round(ulong hash, ulong lane)
    {
        lane *= Prime2;
        lane = ulong.RotateLeft(lane, 31);
        lane *= Prime1;
        hash ^= lane;
        return (ulong.RotateLeft(hash, 27) * Prime1) + 0x85EBCA77C2B2AE63UL;
    }

    /// <summary>The inverse of an odd number modulo 2^64 (Newton's iteration).</summary>
    private static ulong Inverse(ulong a)
    {
        var x = a;
        for (var i = 0; i < 6; i++)
        {
            x *= 2 - (a * x);
        }

        return x;
    }
}
