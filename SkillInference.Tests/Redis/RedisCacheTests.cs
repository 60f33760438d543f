using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Caching;
using SkillInference.Inference;
using SkillInference.Redis;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;
using StackExchange.Redis;

namespace SkillInference.Tests.Redis;

/// <summary>The Redis result cache on a real redis-server: sharing, TTLs, invalidation across instances, deploys, outages.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class RedisCacheTests
{
    private static readonly ChangeContext Operator = new("test", "cache test");

    private static Dictionary<string, double?> Row(string skill, int index = 0) => SampleRows.CompleteRequests(SampleStore.Catalog[skill].Schema, index + 1)[index];

    /// <summary>
    /// The lookup budget of the functional tests: generous, so that a loaded CI machine's slow first lookups (JIT, a
    /// starved thread pool) do not open the circuit breaker and turn a cache test into an outage test. The outage test
    /// keeps the production default.
    /// </summary>
    private static readonly TimeSpan FunctionalBudget = TimeSpan.FromSeconds(2);

    private static Task<ServiceHarness> StartAsync(RedisServer redis, string prefix, string? store = null, TimeSpan? budget = null) =>
        StartAsync(redis.ConnectionString, prefix, store, budget);

    private static Task<ServiceHarness> StartAsync(string redis, string prefix, string? store = null, TimeSpan? budget = null) =>
        ServiceHarness.StartAsync(store ?? SampleStore.Path, s => s.AddSkillInference()
            .ConfigureCache(o => o.KeySecret = "test-secret-0123456789abcdef")
            .UseRedisCache(redis, o =>
            {
                o.KeyPrefix = prefix;
                o.OperationBudget = budget ?? FunctionalBudget;
            }));

    private static async Task<RedisInferenceCache> ConnectedCacheAsync(ServiceHarness harness)
    {
        var cache = harness.Services.GetRequiredService<RedisInferenceCache>();
        Assert.IsTrue(await cache.WaitUntilAvailableAsync(TimeSpan.FromSeconds(20)), "the test's Redis should be reachable");
        return cache;
    }

    private static string Prefix() => $"t{Guid.NewGuid():N}"[..12] + ":";

    [TestMethod]
    public async Task InferAsync_SecondInstance_HitsTheSharedLayer()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var a = await StartAsync(redis, prefix);
        await using var b = await StartAsync(redis, prefix);
        await ConnectedCacheAsync(a);
        await ConnectedCacheAsync(b);
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");

        var computed = await a.Service.InferAsync(request);
        await WaitUntilAsync(async () => await KeyCountAsync(redis, prefix) == 1);
        var shared = await b.Service.InferAsync(request);
        var local = await b.Service.InferAsync(request);

        Assert.IsFalse(computed.Cached);
        Assert.IsTrue(shared.Cached);
        Assert.IsTrue(local.Cached);
        Assert.AreEqual(computed.Score, shared.Score);
        Assert.AreEqual(computed.ModelVersion, shared.ModelVersion);
        CollectionAssert.AreEqual(computed.TopFeatures.ToArray(), shared.TopFeatures.ToArray());
    }

    [TestMethod]
    public async Task Store_EveryKey_HasTheConfiguredTimeToLive()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var harness = await StartAsync(redis, prefix);
        await ConnectedCacheAsync(harness);

        for (var i = 0; i < 20; i++)
        {
            await harness.Service.InferAsync(new InferenceRequest("curiosity", Row("curiosity", i % 5), $"S{i}"));
        }

        await WaitUntilAsync(async () => await KeyCountAsync(redis, prefix) == 20);
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        foreach (var key in mux.GetServer(redis.ConnectionString).Keys(pattern: prefix + "*"))
        {
            var ttl = await mux.GetDatabase().KeyTimeToLiveAsync(key);
            Assert.IsNotNull(ttl, $"{key} has no TTL");
            Assert.IsTrue(ttl > TimeSpan.FromHours(23) && ttl <= TimeSpan.FromHours(24), ttl.ToString());
        }
    }

    [TestMethod]
    public async Task InvalidateStudentAsync_OnOneInstance_StopsServingOnEveryInstance()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var a = await StartAsync(redis, prefix);
        await using var b = await StartAsync(redis, prefix);
        var bCache = await ConnectedCacheAsync(b);
        await ConnectedCacheAsync(a);
        var s1 = new InferenceRequest("collaboration", Row("collaboration"), "S1");
        var s1Other = new InferenceRequest("persistence", Row("persistence"), "S1");
        var s2 = new InferenceRequest("collaboration", Row("collaboration", 1), "S2");
        foreach (var r in new[] { s1, s1Other, s2 })
        {
            await a.Service.InferAsync(r);
        }

        await WaitUntilAsync(async () => await KeyCountAsync(redis, prefix) == 2);
        foreach (var r in new[] { s1, s1Other, s2 })
        {
            Assert.IsTrue((await b.Service.InferAsync(r)).Cached); // now in b's memory layer too
        }

        Assert.AreEqual(3, bCache.Local.Count);

        await a.Service.InvalidateStudentAsync("S1");

        // The invalidation reaches b's memory layer over pub/sub: S1's two entries go, S2's stays.
        await WaitUntilAsync(() => Task.FromResult(bCache.Local.Count == 1));
        Assert.IsFalse((await b.Service.InferAsync(s1)).Cached);
        Assert.IsFalse((await b.Service.InferAsync(s1Other)).Cached);
        Assert.IsTrue((await b.Service.InferAsync(s2)).Cached);
    }

    [TestMethod]
    public async Task InferAsync_AfterDeploy_ServesTheNewVersionNotTheCachedOne()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var harness = await StartAsync(redis, Prefix(), SampleStore.Copy());
        await ConnectedCacheAsync(harness);
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");
        await harness.Service.InferAsync(request);
        Assert.IsTrue((await harness.Service.InferAsync(request)).Cached);
        await harness.Registry.PublishAsync(TestBundles.Train("collaboration", "1.1.0", trees: 15, seed: 4), Operator);
        await harness.Registry.DeployAsync("collaboration", "1.1.0", Operator);
        await harness.Service.RefreshAsync();

        var after = await harness.Service.InferAsync(request);

        Assert.AreEqual("1.1.0", after.ModelVersion);
        Assert.IsFalse(after.Cached);
    }

    [TestMethod]
    public async Task InferAsync_RedisKilledAndRestarted_NoRequestFailsAndCachingResumes()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var harness = await StartAsync(redis, prefix, budget: new RedisCacheOptions().OperationBudget); // production's
        var cache = await ConnectedCacheAsync(harness);
        var rows = SampleRows.Requests(SampleStore.Catalog["communication"].Schema, 200);
        var durations = new List<TimeSpan>();

        async Task RunAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await harness.Service.InferAsync(new InferenceRequest("communication", rows[i % rows.Count], $"S{i}"));
                Assert.IsTrue(result.Score is >= 0 and <= 1);
                durations.Add(Stopwatch.GetElapsedTime(started));
            }
        }

        await RunAsync(0, 100);
        await redis.KillAsync();
        await RunAsync(100, 400);   // Redis down: computed, never failed, never waiting on Redis timeouts
        Assert.IsFalse(cache.RedisAvailable);
        Assert.IsFalse(cache.Status.Healthy);

        await redis.RestartAsync();
        await WaitUntilAsync(async () =>
        {
            await RunAsync(400, 401);
            return cache.RedisAvailable;
        });
        await RunAsync(1000, 1050);

        Assert.IsGreaterThanOrEqualTo(451, durations.Count); // every request returned a score; none threw
        // A request that waited on Redis would take its 1 s command timeout; computing takes well under a millisecond.
        // Not a benchmark: the bounds leave room for a loaded CI machine's stalls, and fail only if requests wait on Redis.
        durations.Sort();
        var p95 = durations[(int)(durations.Count * 0.95)];
        var waited = durations.Count(d => d >= TimeSpan.FromSeconds(1));
        Assert.IsLessThan(TimeSpan.FromMilliseconds(250), p95, $"95th percentile {p95.TotalMilliseconds:0} ms");
        Assert.IsLessThanOrEqualTo(2, waited, $"{waited} requests took a Redis timeout or longer");
        // Writes reach the restarted Redis again (new students keep coming, as they would: a lookup that a loaded machine
        // makes slower than the 50 ms budget may open the breaker again for a moment).
        var next = 2000;
        await WaitUntilAsync(async () =>
        {
            await RunAsync(next, ++next);
            return await KeyCountAsync(redis, prefix) >= 50 && cache.Status.Healthy;
        });
    }

    [TestMethod]
    public async Task InferAsync_RedisNeverReachable_RequestsSucceedAndStatusIsDegraded()
    {
        var port = ProcessRunner.FreePort(); // nothing listens here
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path, s => s.AddSkillInference().ConfigureCache(o => o.KeySecret = "test-secret-0123456789abcdef").UseRedisCache($"127.0.0.1:{port}", o => o.KeyPrefix = Prefix()));
        var cache = harness.Services.GetRequiredService<RedisInferenceCache>();
        await cache.WaitForConnectionAsync();
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");

        var stopwatch = Stopwatch.StartNew();
        var first = await harness.Service.InferAsync(request);
        var second = await harness.Service.InferAsync(request);
        stopwatch.Stop();

        Assert.IsFalse(first.Cached);
        Assert.IsTrue(second.Cached); // the memory layer still works
        Assert.IsLessThan(TimeSpan.FromMilliseconds(900), stopwatch.Elapsed, "two requests must not wait on the 1 s Redis timeouts");
        Assert.IsFalse(cache.Status.Healthy);
        Assert.Contains("unavailable", cache.Status.Description);
    }

    [TestMethod]
    public async Task InferAsync_RedisStartsAfterTheHost_CachingAndInvalidationBegin()
    {
        var port = ProcessRunner.FreePort();
        var prefix = Prefix();
        await using var a = await StartAsync($"127.0.0.1:{port}", prefix);
        await using var b = await StartAsync($"127.0.0.1:{port}", prefix);
        var cacheA = a.Services.GetRequiredService<RedisInferenceCache>();
        await cacheA.WaitForConnectionAsync();
        Assert.IsFalse(cacheA.RedisAvailable);

        await using var redis = await RedisServer.StartAsync(port);
        Assert.IsTrue(await cacheA.WaitUntilAvailableAsync(TimeSpan.FromSeconds(30)), "the cache should connect once Redis is up");
        Assert.IsTrue(await b.Services.GetRequiredService<RedisInferenceCache>().WaitUntilAvailableAsync(TimeSpan.FromSeconds(30)));
        var request = new InferenceRequest("collaboration", Row("collaboration"), "S1");

        Assert.IsFalse((await a.Service.InferAsync(request)).Cached);
        await WaitUntilAsync(async () => await KeyCountAsync(redis, prefix) == 1);
        Assert.IsTrue((await b.Service.InferAsync(request)).Cached, "b should read a's entry from Redis");
        await a.Service.InvalidateStudentAsync("S1");
        await WaitUntilAsync(() => Task.FromResult(b.Services.GetRequiredService<RedisInferenceCache>().Local.Count == 0));
        Assert.IsFalse((await b.Service.InferAsync(request)).Cached, "the invalidation reaches b through the late subscription");
    }

    [TestMethod]
    public async Task Store_KeysAndValues_ContainNoRawStudentIds()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var harness = await StartAsync(redis, prefix);
        await ConnectedCacheAsync(harness);
        var ids = Enumerable.Range(0, 10).Select(i => $"student-{i:D4}-XYZ").ToArray();
        foreach (var id in ids)
        {
            await harness.Service.InferAsync(new InferenceRequest("creativity", Row("creativity"), id));
        }

        await WaitUntilAsync(async () => await KeyCountAsync(redis, prefix) == ids.Length);
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        foreach (var key in mux.GetServer(redis.ConnectionString).Keys(pattern: prefix + "*"))
        {
            var entries = await mux.GetDatabase().HashGetAllAsync(key);
            var text = key.ToString() + string.Join("", entries.Select(e => e.Name.ToString() + e.Value.ToString()));
            foreach (var id in ids)
            {
                Assert.DoesNotContain(id, text);
                Assert.DoesNotContain(id[..12], text);
            }
        }
    }

    private static async Task<long> KeyCountAsync(RedisServer redis, string prefix)
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        return mux.GetServer(redis.ConnectionString).Keys(pattern: prefix + "*").LongCount();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45); // generous: a loaded CI machine
        while (!await condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out");
            await Task.Delay(25);
        }
    }
}
