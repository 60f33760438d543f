using System.Net;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class HealthEndpointTests
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
    public async Task Ready_AllModelsLoaded_IsHealthyAndTheSevenSkillsAreLive()
    {
        using var response = await _client.GetAsync("/health/ready");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadJsonAsync();
        Assert.AreEqual("Healthy", body["status"]!.GetValue<string>());
        var live = await _client.LiveVersionsAsync();
        CollectionAssert.AreEquivalent(SampleStore.Catalog.Skills.Select(s => s.Id).ToArray(), live.Keys.ToArray());
        Assert.IsTrue(live.Values.All(v => v == "1.0.0"), string.Join(", ", live));
    }

    [TestMethod]
    public async Task Live_Running_Returns200()
    {
        using var response = await _client.GetAsync("/health/live");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task Ready_StoreWithoutBundles_Returns503()
    {
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("empty-store"));
        using var client = await factory.CreateInitializedClientAsync();

        using var response = await client.GetAsync("/health/ready");

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
