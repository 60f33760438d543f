using System.Net;

namespace SkillInference.Tests.Host;

/// <summary>A skill the registry deploys whose model file is corrupt: that skill answers 503, the host is not ready.</summary>
[TestClass]
public sealed class ModelNotLoadedTests
{
    private const string Broken = "collaboration";
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        var store = Infrastructure.SampleStore.Copy();
        var model = System.IO.Path.Combine(store, "skills", Broken, "1.0.0", "model.zip");
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(model, bytes);

        _factory = new SkillInferenceHostFactory(store);
        _client = await _factory.CreateInitializedClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task Infer_SkillWhoseModelDidNotLoad_Returns503WithRetryAfter()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", """{"skill":"collaboration","features":{"peer_replies_per_week":3}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.IsNotNull(response.Headers.RetryAfter?.Delta);
        Assert.IsGreaterThan(TimeSpan.Zero, response.Headers.RetryAfter.Delta.Value);
    }

    [TestMethod]
    public async Task Infer_OtherSkill_StillScores()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", """{"skill":"curiosity","features":{"questions_asked_per_week":3}}""");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task InferBatch_SkillWhoseModelDidNotLoad_Returns503ItemError()
    {
        using var response = await _client.PostJsonAsync(
            "/api/v1/skills/infer/batch",
            """{"items":[{"skill":"collaboration","features":{"peer_replies_per_week":3}},{"skill":"curiosity","features":{"questions_asked_per_week":3}}]}""");

        var results = (await response.ReadJsonAsync())["results"]!.AsArray();
        Assert.AreEqual(503, results[0]!["error"]!["status"]!.GetValue<int>());
        Assert.IsNotNull(results[1]!["result"]);
    }

    [TestMethod]
    public async Task Ready_SkillWhoseModelDidNotLoad_Returns503NamingTheSkillButNotWhy()
    {
        using var anonymous = _factory.CreateAnonymousClient();
        using var response = await anonymous.GetAsync("/health/ready");

        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode, body);
        var models = (await response.ReadJsonAsync())["checks"]!["models"]!;
        CollectionAssert.Contains(models["data"]!["notReady"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray(), Broken);

        // Finding 12: nothing internal (paths, file names, the load failure) to an anonymous caller.
        Assert.DoesNotContain(_factory.StorePath, body);
        Assert.DoesNotContain("manifest", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("failures", body);
    }

    [TestMethod]
    public async Task Ready_AfterAnotherRegistryCheck_StaysUnavailable()
    {
        await _factory.Inference.RefreshAsync();

        using var response = await _client.GetAsync("/health/ready");

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [TestMethod]
    public async Task Live_SkillWhoseModelDidNotLoad_Returns200()
    {
        using var response = await _client.GetAsync("/health/live");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public void Status_SkillWhoseModelDidNotLoad_RecordsTheChecksumFailure()
    {
        var status = _factory.Inference.Status;

        var failure = status.Failures.Single(f => f.Skill == Broken);
        Assert.AreEqual("1.0.0", failure.Version);
        Assert.Contains("checksum", failure.Reason);
    }
}
