using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>
/// The Cloud Tasks target: mapped only with the Cloud Tasks dispatcher; open only to Google-signed ID tokens of the
/// dispatcher's service account for its audience (any malformed token is a 401, never a 500); a shard is served only
/// as it was planned, whatever its ids' length.
/// </summary>
[TestClass]
public sealed class BatchInferenceTaskEndpointTests
{
    private const int Students = 120;
    private static GoogleIdTokenIssuer _issuer = null!;

    [ClassInitialize]
    public static void ClassInitialize(TestContext context) => _issuer = new GoogleIdTokenIssuer();

    [ClassCleanup]
    public static void ClassCleanup() => _issuer.Dispose();

    private static string Token => _issuer.Mint(TaskHost.Audience, TaskHost.Email);

    [TestMethod]
    public async Task Post_ValidShard_Returns200AndStoresTheShard()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, Students);

        using var response = await TaskHost.PostAsync(client, task, Token);

        var body = await response.ReadJsonAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        Assert.IsFalse(body["duplicate"]!.GetValue<bool>());
        Assert.AreEqual(Students, body["students"]!.GetValue<int>());
        Assert.AreEqual(Students * 7, body["inserted"]!.GetValue<int>());
        Assert.IsTrue(body["runCompleted"]!.GetValue<bool>(), "the run's only shard finishes it");
        Assert.AreEqual(Students * 7, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
        var run = await factory.Services.GetRequiredService<IAssessmentStore>().GetRunAsync(task.RunId);
        Assert.AreEqual(RunStatus.Succeeded, run!.Status);
    }

    [TestMethod]
    public async Task Post_SameShardTwice_SecondIsDuplicateAndWritesNothing()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, Students);
        using var first = await TaskHost.PostAsync(client, task, Token);

        using var second = await TaskHost.PostAsync(client, task, Token, retryCount: 1);

        var body = await second.ReadJsonAsync();
        Assert.AreEqual(HttpStatusCode.OK, second.StatusCode, body.ToJsonString());
        Assert.IsTrue(body["duplicate"]!.GetValue<bool>());
        Assert.AreEqual(0, body["inserted"]!.GetValue<int>());
        Assert.AreEqual(Students * 7, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
    }

    /// <summary>Finding 11: a student id over 128 characters at the shard's boundary is served like any other.</summary>
    [TestMethod]
    public async Task Post_LongStudentIdAtTheBoundary_StoresTheShardAndCompletesTheRun()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = await factory.CreateReadyClientAsync();
        var longId = "S" + new string('9', 299);
        var task = await TaskHost.PlanOneShardAsync(factory, 20, extraStudentId: longId);
        Assert.AreEqual(longId, task.ThroughStudentId);

        using var response = await TaskHost.PostAsync(client, task, Token);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual(21 * 7, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
        Assert.AreEqual(RunStatus.Succeeded, (await factory.Services.GetRequiredService<IAssessmentStore>().GetRunAsync(task.RunId))!.Status);
    }

    /// <summary>Finding 1: a shard number not in the plan, or a range that is not the planned one (an empty range), is refused and the run stays running.</summary>
    [TestMethod]
    [DataRow(5, null, null, HttpStatusCode.NotFound)]
    [DataRow(0, "S9999998", "S9999999", HttpStatusCode.Conflict)]
    [DataRow(0, null, "S0000000", HttpStatusCode.Conflict)]
    public async Task Post_ShardNotAsPlanned_IsRefusedAndTheRunDoesNotSucceed(int shard, string? after, string? through, HttpStatusCode expected)
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = await factory.CreateReadyClientAsync();
        var planned = await TaskHost.PlanOneShardAsync(factory, Students);
        var forged = planned with { Shard = shard, AfterStudentId = after ?? planned.AfterStudentId, ThroughStudentId = through ?? planned.ThroughStudentId };

        using var response = await TaskHost.PostAsync(client, forged, Token);

        await ProblemAssert.IsProblemAsync(response, expected);
        var run = await factory.Services.GetRequiredService<IAssessmentStore>().GetRunAsync(planned.RunId);
        Assert.AreEqual(RunStatus.Running, run!.Status);
        Assert.AreEqual(0, run.ShardsCompleted);
        Assert.AreEqual(0, await TaskHost.CountAssessmentsAsync(factory, planned.RunId));
    }

    /// <summary>Finding 1: with the in-process dispatcher (the default) the endpoint does not exist.</summary>
    [TestMethod]
    public async Task Endpoint_InProcessDispatcher_IsNotMapped()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, 10);

        using var response = await TaskHost.PostAsync(client, task, Token);

        Assert.AreNotEqual(HttpStatusCode.OK, response.StatusCode);
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText);
        Assert.DoesNotContain(TaskHost.Path, routes.ToArray());
        Assert.AreEqual(0, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
    }

    [TestMethod]
    [DataRow("""{"shard":0,"throughStudentId":"S1","mode":"full"}""", "runId")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":-1}""", "shard")]
    [DataRow("""{"runId":"not-a-guid","shard":0}""", "runId")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"mode":"nightly"}""", "mode")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"mode":"incremental","servingVersions":[{"skill":"collaboration"}]}""", "servingVersions[0]")]
    public async Task Post_MalformedTask_Returns400NamingTheField(string json, string field)
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateClient();

        using var response = await TaskHost.PostAsync(client, json, Token);

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, field);
        Assert.IsNotEmpty(messages);
    }

    [TestMethod]
    public async Task Post_RetryCountHeaderNotANumber_Returns400NamingTheHeader()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateClient();

        using var response = await TaskHost.PostAsync(client, """{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0}""", Token, retryCount: "often");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "X-CloudTasks-TaskRetryCount");
    }

    [TestMethod]
    public async Task Post_UnknownRun_Returns404()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = await factory.CreateReadyClientAsync();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), Token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task Post_DatabaseDown_Returns503WithRetryAfterNamingNothingInternal()
    {
        // A PostgreSQL that is not there: nothing listens on port 1.
        await using var factory = TaskHost.Create(_issuer, new Dictionary<string, string?>
        {
            ["SkillInference:Database:Kind"] = "Postgres",
            ["SkillInference:Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=app;Password=app;Database=skills;Timeout=3",
        });
        using var client = await factory.CreateReadyClientAsync();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), Token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "127.0.0.1", "Port=1");
        Assert.IsTrue(response.Headers.Contains("Retry-After"));
    }

    [TestMethod]
    public async Task Post_NoCredential_Returns401()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateAnonymousClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [TestMethod]
    public async Task Post_ApiKeyWithoutTheTasksScope_Returns403()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateClient(); // the client key: score, ingest, metrics

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task Post_TokenForAnotherAudience_Returns401()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateAnonymousClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), _issuer.Mint("https://elsewhere.example", TaskHost.Email));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [TestMethod]
    public async Task Post_ValidTokenOfAnotherServiceAccount_Returns403()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateAnonymousClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), _issuer.Mint(TaskHost.Audience, "intruder@other.iam.gserviceaccount.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task Post_ExpiredOrForeignOrUnverifiedToken_Returns401()
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateAnonymousClient();
        using var otherKey = RSA.Create(2048);
        string[] tokens =
        [
            _issuer.Mint(TaskHost.Audience, TaskHost.Email, lifetime: TimeSpan.FromMinutes(-10)),
            _issuer.Mint(TaskHost.Audience, TaskHost.Email, signWith: otherKey),
            _issuer.Mint(TaskHost.Audience, TaskHost.Email, emailVerified: false),
            _issuer.Mint(TaskHost.Audience, TaskHost.Email, issuer: "https://evil.example"),
        ];

        foreach (var token in tokens)
        {
            using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), token);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    /// <summary>Finding 13: a malformed bearer token is a 401 with problem details, never a 500.</summary>
    [TestMethod]
    [DataRow("not-a-jwt")]
    [DataRow("a.b.c")]
    [DataRow("eyJhbGciOiJub25lIn0.e30.")]
    [DataRow("eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2V5LTEifQ.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20ifQ.AAAA")]
    [DataRow("....")]
    [DataRow("%%%%%%%%")]
    public async Task Post_MalformedBearerToken_Returns401(string token)
    {
        await using var factory = TaskHost.Create(_issuer);
        using var client = factory.CreateAnonymousClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [TestMethod]
    public async Task Post_SigningKeysUnreachable_Returns503WithRetryAfter()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy(TaskHost.CloudTasksSettings($"http://127.0.0.1:{ProcessRunner.FreePort()}/certs"));
        using var client = factory.CreateAnonymousClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), Token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.IsTrue(response.Headers.Contains("Retry-After"));
    }
}
