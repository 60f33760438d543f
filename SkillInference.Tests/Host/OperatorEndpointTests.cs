using System.Net;
using System.Text.Json.Nodes;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>
/// Deploy, rollback and variants through the API with an operator key. The tests share one host and store, so each
/// test changes a skill no other test touches.
/// </summary>
[TestClass]
public sealed class OperatorEndpointTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy(SkillInferenceHostFactory.WithOperatorKey);
        _client = await _factory.CreateReadyClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    [DataRow("deploy", """{"version":"1.0.0"}""")]
    [DataRow("rollback", "{}")]
    [DataRow("variants", """{"variants":[]}""")]
    public async Task OperatorEndpoint_NoCredential_Returns401(string action, string body)
    {
        using var anonymous = _factory.CreateAnonymousClient();
        using var response = await anonymous.PostJsonAsync($"/api/v1/skills/models/collaboration/{action}", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    /// <summary>Finding 8: a key for scoring and ingestion cannot deploy, roll back or change variants.</summary>
    [TestMethod]
    [DataRow("deploy", """{"version":"1.0.0"}""")]
    [DataRow("rollback", "{}")]
    [DataRow("variants", """{"variants":[]}""")]
    public async Task OperatorEndpoint_IngestKeyWithoutOperateScope_Returns403(string action, string body)
    {
        using var response = await _client.PostJsonAsync($"/api/v1/skills/models/collaboration/{action}", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task Deploy_WrongApiKey_Returns401AndLeavesTheDeploymentAlone()
    {
        await PublishMinorAsync("collaboration");

        using var response = await _client.PostJsonAsync("/api/v1/skills/models/collaboration/deploy", """{"version":"1.1.0"}""", apiKey: SkillInferenceHostFactory.OperatorKey + "x");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, SkillInferenceHostFactory.OperatorKey);
        Assert.AreEqual("1.0.0", (await _factory.Registry.ReadAsync()).Document.Skills["collaboration"].Deployed);
    }

    [TestMethod]
    public async Task Deploy_UnpublishedVersion_Returns404ListingPublishedVersions()
    {
        using var response = await DeployAsync("collaboration", "9.9.9");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("1.0.0", problem["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Deploy_WithoutVersion_Returns400()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/models/collaboration/deploy", """{"reason":"forgot the version"}""", apiKey: SkillInferenceHostFactory.OperatorKey);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [TestMethod]
    public async Task Deploy_PublishedVersion_ShowsItDeployedAndLive()
    {
        await PublishMinorAsync("communication");

        using var response = await DeployAsync("communication", "1.1.0");

        var body = await ReadOkAsync(response);
        Assert.AreEqual("1.1.0", body["deployed"]!.GetValue<string>());
        Assert.AreEqual("1.1.0", body["live"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Deploy_PublishedVersion_RecordsTheKeysNameAsActor()
    {
        await PublishMinorAsync("creativity");

        using var response = await DeployAsync("creativity", "1.1.0", reason: "retrained");

        var latest = (await ReadOkAsync(response))["history"]![0]!;
        Assert.AreEqual(SkillInferenceHostFactory.OperatorName, latest["actor"]!.GetValue<string>());
        Assert.AreEqual("deploy", latest["action"]!.GetValue<string>());
        Assert.AreEqual("1.1.0", latest["version"]!.GetValue<string>());
        Assert.AreEqual("retrained", latest["reason"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Deploy_PublishedVersion_InferServesIt()
    {
        await PublishMinorAsync("critical_thinking");
        using (var deploy = await DeployAsync("critical_thinking", "1.1.0"))
        {
            await ReadOkAsync(deploy);
        }

        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", """{"skill":"critical_thinking","features":{"task_completion_rate":0.8}}""");

        Assert.AreEqual("1.1.0", (await ReadOkAsync(response))["modelVersion"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Rollback_AfterDeploy_RestoresOnePointZero()
    {
        await PublishMinorAsync("curiosity");
        using (var deploy = await DeployAsync("curiosity", "1.1.0"))
        {
            await ReadOkAsync(deploy);
        }

        using var response = await RollbackAsync("curiosity");

        var body = await ReadOkAsync(response);
        Assert.AreEqual("1.0.0", body["deployed"]!.GetValue<string>());
        Assert.AreEqual("1.0.0", body["live"]!.GetValue<string>());
        Assert.AreEqual("rollback", body["history"]![0]!["action"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Rollback_Twice_Returns409()
    {
        await PublishMinorAsync("persistence");
        using (var deploy = await DeployAsync("persistence", "1.1.0"))
        {
            await ReadOkAsync(deploy);
        }

        using (var first = await RollbackAsync("persistence"))
        {
            await ReadOkAsync(first);
        }

        using var second = await RollbackAsync("persistence");

        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Conflict);
    }

    [TestMethod]
    public async Task Rollback_UnknownSkill_Returns404()
    {
        using var response = await RollbackAsync("telepathy");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task Variants_UnpublishedVersion_Returns404()
    {
        using var response = await _client.PostJsonAsync(
            "/api/v1/skills/models/self_regulation/variants",
            """{"variants":[{"version":"1.0.0","weight":90},{"version":"7.7.7","weight":10}]}""",
            apiKey: SkillInferenceHostFactory.OperatorKey);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task Variants_MalformedVersion_Returns400()
    {
        using var response = await _client.PostJsonAsync(
            "/api/v1/skills/models/self_regulation/variants",
            """{"variants":[{"version":"latest","weight":10}]}""",
            apiKey: SkillInferenceHostFactory.OperatorKey);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    private static async Task PublishMinorAsync(string skill)
    {
        var bundle = TestBundles.WithVersion(await SampleStore.LoadBundleAsync(skill), "1.1.0", "retrained");
        await _factory.Registry.PublishAsync(bundle, new ChangeContext("test-setup"));
    }

    private static Task<HttpResponseMessage> DeployAsync(string skill, string version, string? reason = null) =>
        _client.PostJsonAsync($"/api/v1/skills/models/{skill}/deploy", new JsonObject { ["version"] = version, ["reason"] = reason }.ToJsonString(), apiKey: SkillInferenceHostFactory.OperatorKey);

    private static Task<HttpResponseMessage> RollbackAsync(string skill) =>
        _client.PostJsonAsync($"/api/v1/skills/models/{skill}/rollback", """{"reason":"bad canary"}""", apiKey: SkillInferenceHostFactory.OperatorKey);

    private static async Task<JsonNode> ReadOkAsync(HttpResponseMessage response)
    {
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }
}
