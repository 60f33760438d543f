using System.Net;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>Without configured operator keys the operator endpoints are closed, whatever key is sent.</summary>
[TestClass]
public sealed class OperatorEndpointsDisabledTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy();
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
    public async Task OperatorEndpoint_NoKeysConfigured_Returns403(string action, string body)
    {
        using var response = await _client.PostJsonAsync($"/api/v1/skills/models/collaboration/{action}", body, apiKey: SkillInferenceHostFactory.OperatorKey);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task Deploy_NoKeysConfigured_LeavesTheDeploymentAlone()
    {
        var bundle = TestBundles.WithVersion(await SampleStore.LoadBundleAsync("collaboration"), "1.1.0");
        await _factory.Registry.PublishAsync(bundle, new ChangeContext("test-setup"));

        using var response = await _client.PostJsonAsync("/api/v1/skills/models/collaboration/deploy", """{"version":"1.1.0"}""", apiKey: SkillInferenceHostFactory.OperatorKey);

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual("1.0.0", (await _factory.Registry.ReadAsync()).Document.Skills["collaboration"].Deployed);
    }
}
