using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>The cache through the host: cached flags over HTTP, the invalidate endpoint, and the cache's health.</summary>
[TestClass]
public sealed class CacheEndpointTests
{
    private static object Body(string studentId) => new
    {
        skill = "collaboration",
        studentId,
        features = SampleRows.CompleteRequests(SampleStore.Catalog["collaboration"].Schema, 1)[0],
    };

    /// <summary>Host settings for a Redis cache on a loopback port where nothing listens.</summary>
    private static Dictionary<string, string?> UnreachableRedis() => new()
    {
        ["SkillInference:Cache:Kind"] = "Redis",
        ["SkillInference:Cache:Redis"] = $"127.0.0.1:{ProcessRunner.FreePort()}",
        ["SkillInference:Cache:KeySecret"] = "test-secret-0123456789abcdef",
    };

    private static async Task<bool> CachedAsync(HttpClient client, string studentId)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/skills/infer", UriKind.Relative), Body(studentId));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("cached").GetBoolean();
    }

    [TestMethod]
    public async Task Invalidate_CachedStudent_NextRequestIsComputed()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = await factory.CreateReadyClientAsync();
        Assert.IsFalse(await CachedAsync(client, "S1"));
        Assert.IsTrue(await CachedAsync(client, "S1"));

        using var response = await client.PostJsonAsync("/api/v1/students/invalidate", """{"studentId":"S1"}""");

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.IsFalse(await CachedAsync(client, "S1"));
    }

    /// <summary>Finding 8: invalidation needs a credential with the ingest scope, even with nothing configured but the defaults.</summary>
    [TestMethod]
    public async Task Invalidate_NoCredential_IsUnauthorizedAndDropsNothing()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = await factory.CreateReadyClientAsync();
        Assert.IsFalse(await CachedAsync(client, "S1"));
        using var anonymous = factory.CreateAnonymousClient();

        using var response = await anonymous.PostJsonAsync("/api/v1/students/invalidate", """{"studentId":"S1"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.IsTrue(await CachedAsync(client, "S1"));
    }

    /// <summary>Finding 8: the student id travels in the body; the old route with the id in the URL does not exist.</summary>
    [TestMethod]
    public async Task Invalidate_StudentIdInTheUrl_IsNotARoute()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = await factory.CreateReadyClientAsync();
        Assert.IsFalse(await CachedAsync(client, "S1"));

        using var response = await client.PostAsync(new Uri("/api/v1/students/S1/invalidate", UriKind.Relative), null);

        Assert.AreNotEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.IsTrue(await CachedAsync(client, "S1"));
    }

    [TestMethod]
    public async Task Ready_RedisUnreachable_StaysReadyAndReportsTheCacheDegraded()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, UnreachableRedis());
        using var client = await factory.CreateReadyClientAsync();

        Assert.IsFalse(await CachedAsync(client, "S1"));
        Assert.IsTrue(await CachedAsync(client, "S1")); // memory layer
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var doc = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());

        Assert.AreEqual(HttpStatusCode.OK, ready.StatusCode);
        var cache = doc.RootElement.GetProperty("checks").GetProperty("cache");
        Assert.AreEqual("Degraded", cache.GetProperty("status").GetString());
        Assert.Contains("Redis unavailable", cache.GetProperty("description").GetString()!);
    }

    [TestMethod]
    public async Task Metrics_AfterAMissAndAHit_CountsBothPerSkillAndNamesNoStudent()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = await factory.CreateReadyClientAsync();
        const string student = "student-4711-secret";
        Assert.IsFalse(await CachedAsync(client, student));
        Assert.IsTrue(await CachedAsync(client, student));

        var text = await ScrapeAsync(client);

        Assert.AreEqual(1, Sample(text, "skillinference_cache_lookups_total", "skill=\"collaboration\"", "result=\"miss\""), text);
        Assert.AreEqual(1, Sample(text, "skillinference_cache_lookups_total", "skill=\"collaboration\"", "result=\"memory\""), text);
        Assert.AreEqual(1, Sample(text, "skillinference_cache_available", "kind=\"Memory\""), text);
        Assert.AreEqual(1, Sample(text, "skillinference_cache_memory_entries", "kind=\"Memory\""), text);
        Assert.AreEqual(1, Sample(text, "skillinference_predictions_total", "skill=\"collaboration\"", "outcome=\"cached\""), text);
        Assert.DoesNotContain(student, text);
        Assert.DoesNotContain("4711", text);
    }

    [TestMethod]
    public async Task Metrics_TwoHostsInOneProcess_EachScrapeShowsOnlyItsOwn()
    {
        // OpenTelemetry subscribes to meters by name, process-wide: without the host's own-meters view, host A's scrape
        // would carry host B's predictions and a second cache gauge.
        await using var a = new SkillInferenceHostFactory(SampleStore.Path);
        await using var b = new SkillInferenceHostFactory(SampleStore.Path);
        using var clientA = await a.CreateReadyClientAsync();
        using var clientB = await b.CreateReadyClientAsync();
        Assert.IsFalse(await CachedAsync(clientB, "student-b1"));
        Assert.IsFalse(await CachedAsync(clientB, "student-b2"));

        var textA = await ScrapeAsync(clientA);
        var textB = await ScrapeAsync(clientB);

        Assert.AreEqual(2, Sample(textB, "skillinference_predictions_total", "skill=\"collaboration\"", "outcome=\"ok\""), textB);
        Assert.IsFalse(textA.Split('\n').Any(l => l.StartsWith("skillinference_predictions_total{", StringComparison.Ordinal) && l.Contains("skill=\"collaboration\"", StringComparison.Ordinal)), textA);
        Assert.AreEqual(1, Sample(textA, "skillinference_cache_available", "kind=\"Memory\""), textA);
        Assert.AreEqual(0, Sample(textA, "skillinference_cache_memory_entries", "kind=\"Memory\""), textA);
        Assert.AreEqual(2, Sample(textB, "skillinference_cache_memory_entries", "kind=\"Memory\""), textB);
    }

    [TestMethod]
    public async Task Metrics_RedisUnreachable_CacheAvailableIsZero()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, UnreachableRedis());
        using var client = await factory.CreateReadyClientAsync();
        Assert.IsFalse(await CachedAsync(client, "S1"));

        var text = await ScrapeAsync(client);

        Assert.AreEqual(0, Sample(text, "skillinference_cache_available", "kind=\"Redis\""), text);
        Assert.AreEqual(1, Sample(text, "skillinference_cache_lookups_total", "skill=\"collaboration\"", "result=\"miss\""), text);
    }

    [TestMethod]
    public async Task Metrics_Disabled_NoScrapingEndpoint()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?> { ["SkillInference:Metrics:Enabled"] = "false" });
        using var client = await factory.CreateReadyClientAsync();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static double Sample(string exposition, string name, params string[] labels)
    {
        var values = exposition.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Select(l => l.Split(' ')[1])
            .ToArray();
        Assert.HasCount(1, values, $"{name} with {string.Join(", ", labels)}");
        return double.Parse(values[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public void Start_RedisKindWithoutConnectionString_FailsWithAClearMessage()
    {
        using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?> { ["SkillInference:Cache:Kind"] = "Redis" });

        var ex = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("SkillInference:Cache:Redis", ex.Message);
    }
}
