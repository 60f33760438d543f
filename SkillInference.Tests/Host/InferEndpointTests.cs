using System.Net;
using System.Text.Json.Nodes;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class InferEndpointTests
{
    private const string Skill = "collaboration";

    // The required feature and four optional ones; the other nine optional features are omitted.
    private static readonly Dictionary<string, double?> Sent = new()
    {
        ["peer_replies_per_week"] = 6,
        ["politeness"] = 0.81,
        ["first_person_plural_rate"] = 22.5,
        ["forum_posts_per_week"] = 4,
        ["sessions_per_week"] = 5,
    };

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
    public async Task Infer_ValidRequest_ReturnsScoreAndConfidenceInUnitInterval()
    {
        var result = await InferAsync();

        Assert.IsInRange(0.0, 1.0, result["score"]!.GetValue<double>());
        Assert.IsInRange(0.0, 1.0, result["confidence"]!.GetValue<double>());
    }

    [TestMethod]
    public async Task Infer_ValidRequest_ReportsDeployedSampleVersion()
    {
        var result = await InferAsync();

        Assert.AreEqual(Skill, result["skill"]!.GetValue<string>());
        Assert.AreEqual("1.0.0", result["modelVersion"]!.GetValue<string>());
        Assert.AreEqual("deployed", result["variant"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Infer_ValidRequest_ReturnsTheModelsFiveMostImportantFeaturesInOrder()
    {
        var manifest = (await SampleStore.LoadBundleAsync(Skill)).Manifest;
        var expected = manifest.Importance.OrderByDescending(i => i.Gain).Take(5).Select(i => i.Feature).ToArray();

        var top = (await InferAsync())["topFeatures"]!.AsArray();

        Assert.HasCount(5, top);
        CollectionAssert.AreEqual(expected, top.Select(t => t!["name"]!.GetValue<string>()).ToArray());
        var importances = top.Select(t => t!["importance"]!.GetValue<double>()).ToArray();
        CollectionAssert.AreEqual(importances.OrderByDescending(i => i).ToArray(), importances);
    }

    [TestMethod]
    public async Task Infer_OptionalFeaturesOmitted_ListsExactlyThoseAsImputed()
    {
        var omitted = SampleStore.Catalog[Skill].Schema.Features.Select(f => f.Name).Except(Sent.Keys).ToArray();

        var imputed = (await InferAsync())["imputedFeatures"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

        Assert.HasCount(9, omitted);
        CollectionAssert.AreEquivalent(omitted, imputed);
    }

    [TestMethod]
    public async Task Infer_ValidRequest_ScoresAsTheInProcessService()
    {
        var expected = await _factory.Inference.InferAsync(new InferenceRequest(Skill, Sent, "s-0001"));

        var result = await InferAsync();

        Assert.AreEqual(expected.Score, result["score"]!.GetValue<double>());
        Assert.AreEqual(expected.Confidence, result["confidence"]!.GetValue<double>());
    }

    [TestMethod]
    public async Task Infer_DifferentFeatureValues_GiveDifferentScores()
    {
        // Guards the equality test above against a constant model: the HTTP path must pass the values through.
        var low = await InferAsync(new JsonObject { ["peer_replies_per_week"] = 0, ["first_person_plural_rate"] = 0, ["peer_reference_rate"] = 0 });
        var high = await InferAsync(new JsonObject { ["peer_replies_per_week"] = 40, ["first_person_plural_rate"] = 60, ["peer_reference_rate"] = 0.9 });

        Assert.IsLessThan(high["score"]!.GetValue<double>(), low["score"]!.GetValue<double>());
    }

    private static async Task<JsonNode> InferAsync(JsonObject? features = null)
    {
        features ??= new JsonObject(Sent.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        var body = new JsonObject { ["skill"] = Skill, ["features"] = features, ["studentId"] = "s-0001" };
        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", body.ToJsonString());
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }
}
