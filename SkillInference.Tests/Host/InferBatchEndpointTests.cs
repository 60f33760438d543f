using System.Net;
using System.Text.Json.Nodes;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class InferBatchEndpointTests
{
    private const string Path = "/api/v1/skills/infer/batch";
    private const int MaxBatchSize = 5;
    private const string Distinct = "1234.56789";

    private static readonly string[] GoodItems =
    [
        """{"studentId":"s-1","skill":"collaboration","features":{"peer_replies_per_week":6,"politeness":0.8}}""",
        """{"studentId":"s-2","skill":"curiosity","features":{"questions_asked_per_week":2,"question_rate":0.3}}""",
        """{"studentId":"s-3","skill":"persistence","features":{"task_completion_rate":0.9,"streak_days":12}}""",
    ];

    // Index: 0 good, 1 null, 2 unknown skill, 3 invalid features, 4 missing skill (the limit is 5 items).
    private static readonly string MixedBatch = $$$"""
        {"items":[
          {{{GoodItems[0]}}},
          null,
          {"studentId":"s-9","skill":"telepathy","features":{"peer_replies_per_week":{{{Distinct}}}}},
          {"studentId":"s-4","skill":"collaboration","features":{"peer_replies_per_week":3,"politeness":{{{Distinct}}}}},
          {"studentId":"s-5","features":{"peer_replies_per_week":{{{Distinct}}}}}
        ]}
        """;

    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?> { ["SkillInference:MaxBatchSize"] = MaxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _client = await _factory.CreateReadyClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task InferBatch_GoodItems_ReturnsResultsInRequestOrderWithIndex()
    {
        var results = await PostBatchAsync($"{{\"items\":[{GoodItems[2]},{GoodItems[0]},{GoodItems[1]}]}}");

        Assert.HasCount(3, results);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, results.Select(r => r!["index"]!.GetValue<int>()).ToArray());
        CollectionAssert.AreEqual(new[] { "persistence", "collaboration", "curiosity" }, results.Select(r => r!["result"]!["skill"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public async Task InferBatch_GoodItems_ScoreAsSingleInferCalls()
    {
        var results = await PostBatchAsync($"{{\"items\":[{string.Join(',', GoodItems)}]}}");

        for (var i = 0; i < GoodItems.Length; i++)
        {
            using var single = await _client.PostJsonAsync("/api/v1/skills/infer", GoodItems[i]);
            var expected = await single.ReadJsonAsync();
            Assert.AreEqual(expected["score"]!.GetValue<double>(), results[i]!["result"]!["score"]!.GetValue<double>(), $"item {i}");
            Assert.AreEqual(expected["confidence"]!.GetValue<double>(), results[i]!["result"]!["confidence"]!.GetValue<double>(), $"item {i}");
        }
    }

    [TestMethod]
    public async Task InferBatch_EachResult_IsTheJsonOfTheSingleInferResponse()
    {
        // Written from the scored columns, not by the serializer: every field (top features with and without values,
        // imputed features, explanations) must come out exactly as /infer writes it.
        string[] items =
        [
            """{"skill":"collaboration","features":{"peer_replies_per_week":6,"politeness":0.8,"sentiment":null}}""",
            """{"skill":"curiosity","features":{"questions_asked_per_week":2},"explain":true}""",
            """{"skill":"persistence","features":{"task_completion_rate":0.9,"streak_days":12}}""",
        ];

        var results = await PostBatchAsync($"{{\"items\":[{string.Join(',', items)}]}}");

        for (var i = 0; i < items.Length; i++)
        {
            using var single = await _client.PostJsonAsync("/api/v1/skills/infer", items[i]);
            var expected = await single.ReadJsonAsync();
            Assert.IsTrue(JsonNode.DeepEquals(expected, results[i]!["result"]), $"item {i}: {expected.ToJsonString()} vs {results[i]!.ToJsonString()}");
        }
    }

    [TestMethod]
    public async Task InferBatch_MoreFeaturesThanAllowed_Returns400ItemErrorAndScoresTheOthers()
    {
        var features = string.Join(',', Enumerable.Range(0, 1_001).Select(i => $"\"f{i}\":1"));

        var results = await PostBatchAsync($$$"""{"items":[{{{GoodItems[0]}}},{"skill":"collaboration","features":{{{{features}}}}}]}""");

        Assert.IsNotNull(results[0]!["result"]);
        Assert.AreEqual(400, results[1]!["error"]!["status"]!.GetValue<int>());
        ProblemAssert.FieldErrors(results[1]!["error"]!, "items[1].features");
    }

    [TestMethod]
    public async Task InferBatch_MixedItems_ScoresTheGoodItemAsASingleInferCall()
    {
        using var single = await _client.PostJsonAsync("/api/v1/skills/infer", GoodItems[0]);
        var expected = (await single.ReadJsonAsync())["score"]!.GetValue<double>();

        var results = await PostBatchAsync(MixedBatch);

        Assert.IsNull(results[0]!["error"]);
        Assert.AreEqual(expected, results[0]!["result"]!["score"]!.GetValue<double>());
    }

    [TestMethod]
    public async Task InferBatch_NullItem_Returns400ItemError()
    {
        var item = (await PostBatchAsync(MixedBatch))[1]!;

        Assert.AreEqual(1, item["index"]!.GetValue<int>());
        Assert.IsNull(item["result"]);
        Assert.AreEqual(400, item["error"]!["status"]!.GetValue<int>());
        ProblemAssert.FieldErrors(item["error"]!, "items[1]");
    }

    [TestMethod]
    public async Task InferBatch_UnknownSkillItem_Returns404ItemError()
    {
        var item = (await PostBatchAsync(MixedBatch))[2]!;

        Assert.IsNull(item["result"]);
        Assert.AreEqual(404, item["error"]!["status"]!.GetValue<int>());
        Assert.Contains("telepathy", item["error"]!["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task InferBatch_InvalidFeaturesItem_Returns422ItemErrorNamingTheFeature()
    {
        var item = (await PostBatchAsync(MixedBatch))[3]!;

        Assert.IsNull(item["result"]);
        Assert.AreEqual(422, item["error"]!["status"]!.GetValue<int>());
        ProblemAssert.FieldErrors(item["error"]!, "features.politeness");
    }

    [TestMethod]
    public async Task InferBatch_MissingSkillItem_Returns400ItemErrorNamingIt()
    {
        var item = (await PostBatchAsync(MixedBatch))[4]!;

        Assert.IsNull(item["result"]);
        Assert.AreEqual(400, item["error"]!["status"]!.GetValue<int>());
        ProblemAssert.FieldErrors(item["error"]!, "items[4].skill");
    }

    [TestMethod]
    public async Task InferBatch_MixedItems_CountsSucceededAndFailed()
    {
        using var response = await _client.PostJsonAsync(Path, MixedBatch);

        var body = await response.ReadJsonAsync();
        Assert.AreEqual(1, body["succeeded"]!.GetValue<int>());
        Assert.AreEqual(4, body["failed"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task InferBatch_MixedItems_DoesNotEchoFeatureValues()
    {
        using var response = await _client.PostJsonAsync(Path, MixedBatch);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Distinct, await response.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task InferBatch_OverTheLimit_Returns413Problem()
    {
        var items = Enumerable.Repeat(GoodItems[0], MaxBatchSize + 1);

        using var response = await _client.PostJsonAsync(Path, $"{{\"items\":[{string.Join(',', items)}]}}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(MaxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task InferBatch_AtTheLimit_ScoresEveryItem()
    {
        var items = Enumerable.Repeat(GoodItems[1], MaxBatchSize);

        var results = await PostBatchAsync($"{{\"items\":[{string.Join(',', items)}]}}");

        Assert.HasCount(MaxBatchSize, results);
        Assert.IsTrue(results.All(r => r!["result"] is not null));
    }

    [TestMethod]
    [DataRow("""{"items":[]}""")]
    [DataRow("""{}""")]
    public async Task InferBatch_NoItems_Returns400NamingItems(string body)
    {
        using var response = await _client.PostJsonAsync(Path, body);

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "items");
    }

    [TestMethod]
    public async Task InferBatch_StringWhereNumberExpected_Returns400NamingTheItemsFeature()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"items":[{{{GoodItems[0]}}},{"skill":"collaboration","features":{"peer_replies_per_week":"{{{Distinct}}}"}}]}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "items[1].features.peer_replies_per_week", Distinct);
    }

    private static async Task<JsonArray> PostBatchAsync(string body)
    {
        using var response = await _client.PostJsonAsync(Path, body);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync())["results"]!.AsArray();
    }
}
