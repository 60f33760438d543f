using System.Net;
using Microsoft.Extensions.Logging;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>The embedded default: a host started on an empty store creates, publishes and deploys the sample models.</summary>
[TestClass]
public sealed class SampleSeedingTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = new SkillInferenceHostFactory(TempDirectory.Create("seeded-store"), new Dictionary<string, string?>
        {
            ["SkillInference:Samples:SeedWhenEmpty"] = "true",
            ["SkillInference:Samples:Students"] = "1500",
        });
        _client = await _factory.CreateReadyClientAsync(TimeSpan.FromMinutes(2));
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task Start_EmptyStore_BecomesReadyWithTheSevenSkillsAtOnePointZero()
    {
        var live = await _client.LiveVersionsAsync();

        CollectionAssert.AreEquivalent(SampleStore.Catalog.Skills.Select(s => s.Id).ToArray(), live.Keys.ToArray());
        Assert.IsTrue(live.Values.All(v => v == "1.0.0"), string.Join(", ", live));
    }

    [TestMethod]
    public void Start_EmptyStore_PublishesTheBundlesInTheConfiguredStore()
    {
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            Assert.IsTrue(File.Exists(Path.Combine(_factory.StorePath, "skills", skill.Id, "1.0.0", "manifest.json")), skill.Id);
        }
    }

    [TestMethod]
    public void Start_EmptyStore_LogsThatItCreatedTheSampleBundles()
    {
        var logs = _factory.Logs.GetSnapshot();

        var seeding = logs.Single(r => r.Id.Id == 4001);
        Assert.AreEqual(LogLevel.Warning, seeding.Level);
        Assert.Contains(_factory.StorePath, seeding.Message);
        var seeded = logs.Single(r => r.Id.Id == 4003);
        Assert.AreEqual(LogLevel.Warning, seeded.Level);
        Assert.Contains("7 sample bundles", seeded.Message);
    }

    [TestMethod]
    public async Task Infer_SeededHost_ScoresWithTheSampleModel()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", """{"skill":"persistence","features":{"task_completion_rate":0.9,"streak_days":20}}""");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("1.0.0", (await response.ReadJsonAsync())["modelVersion"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Models_SeededHost_RecordsTheHostAsTheDeployer()
    {
        using var operatorClient = _factory.CreateClient();
        operatorClient.DefaultRequestHeaders.Remove("X-Api-Key");
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
        var skills = (await operatorClient.GetJsonAsync("/api/v1/skills/models"))["skills"]!.AsArray();

        foreach (var skill in skills)
        {
            var history = skill!["history"]!.AsArray();
            Assert.AreEqual("skillinference-host", history[^1]!["actor"]!.GetValue<string>(), skill["skill"]!.ToString());
        }
    }
}
