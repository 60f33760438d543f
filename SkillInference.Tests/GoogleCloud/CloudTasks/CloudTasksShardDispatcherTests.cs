using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkillInference.Batch;
using SkillInference.GoogleCloud.CloudTasks;
using SkillInference.Tests.Host;

namespace SkillInference.Tests.GoogleCloud.CloudTasks;

/// <summary>
/// The Cloud Tasks REST calls the dispatcher makes, observed through a fake HTTP handler (Google's API is not reachable
/// here): URL, method, bearer token, the task's JSON, and how answers are treated.
/// </summary>
[TestClass]
public sealed class CloudTasksShardDispatcherTests
{
    private const string Target = "https://skills-abc.a.run.app/api/v1/tasks/batch-inference";
    private static readonly Guid RunId = Guid.Parse("0192f0c4-1a2b-7c3d-8e4f-a1b2c3d4e5f6");

    [TestMethod]
    public async Task DispatchAsync_TwoShards_PostsOneTaskPerShardToTheQueue()
    {
        var handler = new RecordingHttpHandler();
        var dispatcher = Create(handler);
        ShardTask[] shards = [Shard(0, null, "S0000250"), Shard(1, "S0000250", "S0000400")];

        var outcome = await dispatcher.DispatchAsync(shards);

        Assert.AreEqual(DispatchOutcome.Enqueued, outcome);
        Assert.HasCount(2, handler.Requests);
        foreach (var request in handler.Requests)
        {
            Assert.AreEqual(HttpMethod.Post, request.Method);
            Assert.AreEqual("https://cloudtasks.googleapis.com/v2/projects/skills-prod/locations/europe-west1/queues/batch-shards/tasks", request.Uri.ToString());
            Assert.AreEqual("Bearer ya29.test-token", request.Authorization);
            Assert.AreEqual("application/json", request.ContentType);
        }

        var first = handler.Requests.Select(r => JsonNode.Parse(r.Body)!["task"]!).Single(t => t["name"]!.GetValue<string>().EndsWith("shard-000000", StringComparison.Ordinal));
        Assert.AreEqual($"projects/skills-prod/locations/europe-west1/queues/batch-shards/tasks/{CloudTasksShardDispatcher.TaskId(RunId, 0)}", first["name"]!.GetValue<string>());
        Assert.AreEqual("600s", first["dispatchDeadline"]!.GetValue<string>());
        var http = first["httpRequest"]!;
        Assert.AreEqual(Target, http["url"]!.GetValue<string>());
        Assert.AreEqual("POST", http["httpMethod"]!.GetValue<string>());
        Assert.AreEqual("application/json", http["headers"]!["Content-Type"]!.GetValue<string>());
        Assert.AreEqual("tasks@skills-prod.iam.gserviceaccount.com", http["oidcToken"]!["serviceAccountEmail"]!.GetValue<string>());
        Assert.AreEqual(Target, http["oidcToken"]!["audience"]!.GetValue<string>(), "the audience defaults to the target URL");
        var body = JsonNode.Parse(Convert.FromBase64String(http["body"]!.GetValue<string>()))!;
        Assert.AreEqual(RunId, body["runId"]!.GetValue<Guid>());
        Assert.AreEqual(0, body["shard"]!.GetValue<int>());
        Assert.IsNull(body["afterStudentId"]);
        Assert.AreEqual("S0000250", body["throughStudentId"]!.GetValue<string>());
        Assert.AreEqual("full", body["mode"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task DispatchAsync_TaskAlreadyExists_CountsAsQueuedWithoutRetry()
    {
        var handler = new RecordingHttpHandler(HttpStatusCode.Conflict);
        var dispatcher = Create(handler);

        await dispatcher.DispatchAsync([Shard(0, null, "S1")]);

        Assert.HasCount(1, handler.Requests, "409 ALREADY_EXISTS means Cloud Tasks deduplicated the shard");
    }

    [TestMethod]
    public async Task DispatchAsync_ServiceUnavailableThenCreated_RetriesTheSameTask()
    {
        var handler = new RecordingHttpHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        var dispatcher = Create(handler);

        await dispatcher.DispatchAsync([Shard(3, "S1", "S2")]);

        Assert.HasCount(3, handler.Requests);
        Assert.AreEqual(1, handler.Requests.Select(r => r.Body).Distinct().Count(), "a retry re-sends the same named task");
    }

    [TestMethod]
    public async Task DispatchAsync_Forbidden_ThrowsPermanentWithoutRetry()
    {
        var handler = new RecordingHttpHandler(HttpStatusCode.Forbidden);
        var dispatcher = Create(handler);

        var ex = await Assert.ThrowsAsync<CloudTasksException>(() => dispatcher.DispatchAsync([Shard(0, null, "S1")]));

        Assert.AreEqual(CloudTasksErrorKind.Permanent, ex.Kind);
        Assert.AreEqual(403, ex.StatusCode);
        StringAssert.Contains(ex.Message, "scripted 403");
        Assert.HasCount(1, handler.Requests);
    }

    [TestMethod]
    public async Task DispatchAsync_AlwaysUnavailable_ThrowsTransientAfterTheAttempts()
    {
        var handler = new RecordingHttpHandler(HttpStatusCode.InternalServerError);
        var dispatcher = Create(handler);

        var ex = await Assert.ThrowsAsync<CloudTasksException>(() => dispatcher.DispatchAsync([Shard(0, null, "S1")]));

        Assert.AreEqual(CloudTasksErrorKind.Transient, ex.Kind);
        Assert.HasCount(4, handler.Requests);
    }

    [TestMethod]
    public async Task DispatchAsync_IncrementalShardWithAudience_CarriesSelectionAndAudience()
    {
        var handler = new RecordingHttpHandler();
        var dispatcher = Create(handler, o => o.Audience = "https://skills.example");
        const long changedSince = 4711;
        var shard = new ShardTask(RunId, 0, null, "S9", new StudentSelection(BatchMode.Incremental, changedSince, [new ServingVersion("collaboration", "1.0.1")]));

        await dispatcher.DispatchAsync([shard]);

        var http = JsonNode.Parse(handler.Requests[0].Body)!["task"]!["httpRequest"]!;
        Assert.AreEqual("https://skills.example", http["oidcToken"]!["audience"]!.GetValue<string>());
        var body = JsonNode.Parse(Convert.FromBase64String(http["body"]!.GetValue<string>()))!;
        Assert.AreEqual("incremental", body["mode"]!.GetValue<string>());
        Assert.AreEqual(changedSince, body["changedSince"]!.GetValue<long>());
        Assert.AreEqual("collaboration", body["servingVersions"]![0]!["skill"]!.GetValue<string>());
        Assert.AreEqual("1.0.1", body["servingVersions"]![0]!["version"]!.GetValue<string>());
    }

    [TestMethod]
    public void TaskId_SameRunAndShard_IsStableAndDiffersPerShard()
    {
        Assert.AreEqual(CloudTasksShardDispatcher.TaskId(RunId, 7), CloudTasksShardDispatcher.TaskId(RunId, 7));
        Assert.AreNotEqual(CloudTasksShardDispatcher.TaskId(RunId, 7), CloudTasksShardDispatcher.TaskId(RunId, 8));
        Assert.MatchesRegex("^[0-9a-f]{8}-run-[0-9a-f]{32}-shard-000007$", CloudTasksShardDispatcher.TaskId(RunId, 7));
    }

    [TestMethod]
    public async Task DispatchedBody_PostedToTheHostEndpoint_IsStored()
    {
        using var issuer = new Infrastructure.GoogleIdTokenIssuer();
        await using var factory = TaskHost.Create(issuer);
        using var client = await factory.CreateReadyClientAsync();
        var planned = await TaskHost.PlanOneShardAsync(factory, 40);
        var handler = new RecordingHttpHandler();

        await Create(handler).DispatchAsync([planned]);
        var http = JsonNode.Parse(handler.Requests[0].Body)!["task"]!["httpRequest"]!;
        using var response = await TaskHost.PostAsync(client, Encoding.UTF8.GetString(Convert.FromBase64String(http["body"]!.GetValue<string>())), issuer.Mint(TaskHost.Audience, TaskHost.Email));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual(280, await TaskHost.CountAssessmentsAsync(factory, planned.RunId));
    }

    [TestMethod]
    public void UseCloudTasksDispatcher_MissingQueue_FailsValidationAtStartup()
    {
        var services = new ServiceCollection();
        services.AddSkillInference().UseFileSystemModelStore(Infrastructure.TempDirectory.Create("ct")).UseCloudTasksDispatcher(o =>
        {
            o.ProjectId = "p";
            o.Location = "l";
            o.TargetUrl = Target;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CloudTasksOptions>>().Value);

        StringAssert.Contains(ex.Message, "Queue");
    }

    private static CloudTasksShardDispatcher Create(RecordingHttpHandler handler, Action<CloudTasksOptions>? configure = null)
    {
        var options = new CloudTasksOptions
        {
            ProjectId = "skills-prod",
            Location = "europe-west1",
            Queue = "batch-shards",
            TargetUrl = Target,
            ServiceAccountEmail = "tasks@skills-prod.iam.gserviceaccount.com",
            RetryDelay = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        return new CloudTasksShardDispatcher(new HttpClient(handler), new StaticTokenSource(), Options.Create(options));
    }

    private static ShardTask Shard(int index, string? after, string through) => new(RunId, index, after, through, StudentSelection.All);

    private sealed class StaticTokenSource : ICloudTasksTokenSource
    {
        public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default) => Task.FromResult("ya29.test-token");
    }
}
