using System.Net;
using System.Text.Json.Nodes;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>The rollout endpoints with an operator key; each test uses its own skill of one shared host.</summary>
[TestClass]
public sealed class RolloutEndpointTests
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

    private static async Task PublishMinorAsync(string skill)
    {
        var bundle = TestBundles.WithVersion(await SampleStore.LoadBundleAsync(skill), "1.1.0", "retrained");
        await _factory.Registry.PublishAsync(bundle, new ChangeContext("test-setup"));
    }

    private static Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _client.PostJsonAsync(path, json, apiKey: SkillInferenceHostFactory.OperatorKey);

    private static async Task<JsonNode> GetRolloutsAsync(string skill)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/skills/models/{skill}/rollouts", UriKind.Relative));
        request.Headers.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
        using var response = await _client.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    [TestMethod]
    public async Task StartRollout_PublishedVersion_Returns201RunningAtTheFirstStepAndSplitsTraffic()
    {
        await PublishMinorAsync("collaboration");

        using var response = await PostAsync("/api/v1/skills/models/collaboration/rollouts", """{"version":"1.1.0","steps":[10,25,50,100],"bakeTime":"00:30:00","reason":"retrained"}""");

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.ReadJsonAsync();
        Assert.AreEqual("running", body["state"]!.GetValue<string>());
        Assert.AreEqual(1, body["step"]!.GetValue<int>());
        Assert.AreEqual(10, body["weight"]!.GetValue<double>());
        Assert.AreEqual(SkillInferenceHostFactory.OperatorName, body["createdBy"]!.GetValue<string>());
        var registration = (await _factory.Registry.ReadAsync()).Document.Skills["collaboration"];
        CollectionAssert.AreEqual(new[] { new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10) }, registration.Variants.ToArray());
        Assert.AreEqual(SkillInferenceHostFactory.OperatorName, registration.History[^1].Actor);
        StringAssert.Contains(registration.History[^1].Reason, "retrained");

        var listed = await GetRolloutsAsync("collaboration");
        Assert.AreEqual(body["id"]!.GetValue<string>(), listed["current"]!["id"]!.GetValue<string>());
        Assert.IsNotNull(listed["current"]!["metrics"], "this instance's counters of the step");
    }

    [TestMethod]
    public async Task RolloutActions_PauseResumeAbort_EndWithAllTrafficToStable()
    {
        await PublishMinorAsync("communication");
        using (var start = await PostAsync("/api/v1/skills/models/communication/rollouts", """{"version":"1.1.0"}"""))
        {
            Assert.AreEqual(HttpStatusCode.Created, start.StatusCode);
        }

        using (var pause = await PostAsync("/api/v1/skills/models/communication/rollouts/current/pause", """{"reason":"holiday"}"""))
        {
            Assert.AreEqual("paused", (await pause.ReadJsonAsync())["state"]!.GetValue<string>());
        }

        using (var again = await PostAsync("/api/v1/skills/models/communication/rollouts/current/pause", "{}"))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict);
        }

        using (var resume = await PostAsync("/api/v1/skills/models/communication/rollouts/current/resume", "{}"))
        {
            Assert.AreEqual("running", (await resume.ReadJsonAsync())["state"]!.GetValue<string>());
        }

        using var abort = await PostAsync("/api/v1/skills/models/communication/rollouts/current/abort", """{"reason":"not now"}""");

        Assert.AreEqual("aborted", (await abort.ReadJsonAsync())["state"]!.GetValue<string>());
        var listed = await GetRolloutsAsync("communication");
        Assert.IsNull(listed["current"]);
        Assert.AreEqual("aborted", listed["past"]![0]!["state"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "start", "pause", "resume", "aborted" }, listed["past"]![0]!["decisions"]!.AsArray().Select(d => d!["action"]!.GetValue<string>()).ToArray());
        Assert.AreEqual(0, (await _factory.Registry.ReadAsync()).Document.Skills["communication"].Variants.Count);
    }

    [TestMethod]
    public async Task PromoteRollout_Running_DeploysTheCandidate()
    {
        await PublishMinorAsync("creativity");
        using (var start = await PostAsync("/api/v1/skills/models/creativity/rollouts", """{"version":"1.1.0"}"""))
        {
            Assert.AreEqual(HttpStatusCode.Created, start.StatusCode);
        }

        using var promote = await PostAsync("/api/v1/skills/models/creativity/rollouts/current/promote", "{}");

        Assert.AreEqual("promoted", (await promote.ReadJsonAsync())["state"]!.GetValue<string>());
        var registration = (await _factory.Registry.ReadAsync()).Document.Skills["creativity"];
        Assert.AreEqual("1.1.0", registration.Deployed);
        Assert.AreEqual(0, registration.Variants.Count);
        Assert.AreEqual("1.1.0", _factory.Inference.Status.LiveVersions["creativity"]);
    }

    [TestMethod]
    [DataRow("""{"version":"1.1.0","steps":[50,25]}""", "steps[1]", DisplayName = "decreasing steps")]
    [DataRow("""{"version":"1.1.0","steps":[0,100]}""", "steps[0]", DisplayName = "zero step")]
    [DataRow("""{"version":"1.1.0","steps":[10,150]}""", "steps[1]", DisplayName = "step above 100")]
    [DataRow("""{"version":"1.1.0","bakeTime":"soon"}""", "bakeTime", DisplayName = "bad bake time")]
    [DataRow("""{"version":"1.1.0","guards":{"srmAlpha":2}}""", "guards.srmAlpha", DisplayName = "bad guard")]
    [DataRow("""{"steps":[10]}""", "version", DisplayName = "no version")]
    [DataRow("""{"version":"1.0.0"}""", "version", DisplayName = "the deployed version")]
    public async Task StartRollout_InvalidRequest_Returns400NamingTheField(string json, string field)
    {
        await PublishMinorAsync("critical_thinking").ContinueWith(_ => { }, TaskScheduler.Default); // published once; later rows find it

        using var response = await PostAsync("/api/v1/skills/models/critical_thinking/rollouts", json);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        StringAssert.StartsWith(problem["detail"]!.GetValue<string>(), field);
        Assert.IsNull((await _factory.Registry.ReadAsync()).Document.Skills["critical_thinking"].Rollout);
    }

    [TestMethod]
    public async Task Metrics_DuringRollout_ShowWeightStateAndScoresPerVariantWithoutStudentIds()
    {
        await PublishMinorAsync("persistence");
        using (var start = await PostAsync("/api/v1/skills/models/persistence/rollouts", """{"version":"1.1.0","steps":[50,100]}"""))
        {
            Assert.AreEqual(HttpStatusCode.Created, start.StatusCode);
        }

        var rows = SampleRows.Requests(SampleStore.Catalog["persistence"].Schema, 40);
        for (var i = 0; i < rows.Count; i++)
        {
            var features = new JsonObject();
            foreach (var (name, value) in rows[i])
            {
                features[name] = value;
            }

            var body = new JsonObject { ["skill"] = "persistence", ["studentId"] = $"metrics-student-{i}", ["features"] = features };
            using var infer = await _client.PostJsonAsync("/api/v1/skills/infer", body.ToJsonString());
            Assert.AreEqual(HttpStatusCode.OK, infer.StatusCode, await infer.Content.ReadAsStringAsync());
        }

        using var response = await _client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var lines = text.Split('\n');
        Assert.IsTrue(lines.Any(l => l.StartsWith("skillinference_rollout_weight", StringComparison.Ordinal) && l.Contains("skill=\"persistence\"", StringComparison.Ordinal) && l.EndsWith(" 50", StringComparison.Ordinal)), text);
        Assert.IsTrue(lines.Any(l => l.StartsWith("skillinference_rollout_state", StringComparison.Ordinal) && l.Contains("state=\"running\"", StringComparison.Ordinal) && l.Contains("persistence", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal)), text);
        foreach (var variant in new[] { "deployed", "variant" })
        {
            Assert.IsTrue(lines.Any(l => l.StartsWith("skillinference_score", StringComparison.Ordinal) && l.Contains("_count", StringComparison.Ordinal) && l.Contains("skill=\"persistence\"", StringComparison.Ordinal) && l.Contains($"variant=\"{variant}\"", StringComparison.Ordinal)), variant + "\n" + text);
        }

        Assert.DoesNotContain("metrics-student", text);
    }

    [TestMethod]
    public async Task RolloutAction_NoRolloutInProgress_Returns404()
    {
        using var response = await PostAsync("/api/v1/skills/models/curiosity/rollouts/current/pause", "{}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task StartRollout_ScoreKeyWithoutOperateScope_Returns403()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/models/curiosity/rollouts", """{"version":"1.1.0"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task SetVariants_CandidateOnly_Returns400NamingTheField()
    {
        await PublishMinorAsync("self_regulation");

        using var response = await PostAsync("/api/v1/skills/models/self_regulation/variants", """{"variants":[{"version":"1.1.0","weight":10}]}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        StringAssert.StartsWith(problem["detail"]!.GetValue<string>(), "variants");
    }
}
