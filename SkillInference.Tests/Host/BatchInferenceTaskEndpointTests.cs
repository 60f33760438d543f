using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Host.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class BatchInferenceTaskEndpointTests
{
    private const int Students = 120;

    [TestMethod]
    public async Task Post_ValidShard_Returns200AndStoresTheShard()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, Students);

        using var response = await TaskHost.PostAsync(client, task);

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
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, Students);
        using var first = await TaskHost.PostAsync(client, task);

        using var second = await TaskHost.PostAsync(client, task, retryCount: 1);

        var body = await second.ReadJsonAsync();
        Assert.AreEqual(HttpStatusCode.OK, second.StatusCode, body.ToJsonString());
        Assert.IsTrue(body["duplicate"]!.GetValue<bool>());
        Assert.AreEqual(0, body["inserted"]!.GetValue<int>());
        Assert.AreEqual(Students * 7, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
    }

    [TestMethod]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"mode":"full"}""", "throughStudentId")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"throughStudentId":"S1","mode":"nightly"}""", "mode")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":-1,"throughStudentId":"S1","mode":"full"}""", "shard")]
    [DataRow("""{"shard":0,"throughStudentId":"S1","mode":"full"}""", "runId")]
    [DataRow("""{"runId":"not-a-guid","shard":0,"throughStudentId":"S1","mode":"full"}""", "runId")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"afterStudentId":"S9","throughStudentId":"S1","mode":"full"}""", "afterStudentId")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"throughStudentId":"S1","mode":"incremental"}""", "servingVersions")]
    [DataRow("""{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"throughStudentId":"S1","mode":"incremental","servingVersions":[{"skill":"collaboration"}]}""", "servingVersions[0]")]
    public async Task Post_MalformedTask_Returns400NamingTheField(string json, string field)
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = factory.CreateClient();

        using var response = await TaskHost.PostAsync(client, json);

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, field);
        Assert.IsNotEmpty(messages);
    }

    [TestMethod]
    public async Task Post_RetryCountHeaderNotANumber_Returns400NamingTheHeader()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = factory.CreateClient();

        using var response = await TaskHost.PostAsync(client, """{"runId":"0192f0c4-0000-7000-8000-000000000001","shard":0,"throughStudentId":"S1","mode":"full"}""", retryCount: "often");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "X-CloudTasks-TaskRetryCount");
    }

    [TestMethod]
    public async Task Post_UnknownRun_Returns404()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task Post_DatabaseDown_Returns503WithRetryAfter()
    {
        // A PostgreSQL that is not there: nothing listens on port 1.
        await using var factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?>
        {
            ["SkillInference:Database:Kind"] = "Postgres",
            ["SkillInference:Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=app;Password=app;Database=skills;Timeout=3",
        });
        using var client = await factory.CreateReadyClientAsync();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.IsTrue(response.Headers.Contains("Retry-After"));
    }

    [TestMethod]
    public async Task Post_AudienceConfiguredAndNoToken_Returns401()
    {
        await using var host = Authenticated(out _);
        using var client = host.CreateClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [TestMethod]
    public async Task Post_TokenForAnotherAudience_Returns401()
    {
        await using var host = Authenticated(out var validator);
        using var client = host.CreateClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), FakeTaskTokenValidator.TokenFor("https://elsewhere.example", Email));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.AreEqual(Audience, validator.Calls.Single().Audience, "the configured audience is the one checked");
    }

    [TestMethod]
    public async Task Post_ValidTokenOfAnotherServiceAccount_Returns403()
    {
        await using var host = Authenticated(out _);
        using var client = host.CreateClient();

        using var response = await TaskHost.PostAsync(client, new ShardTask(Guid.CreateVersion7(), 0, null, "S0000010", StudentSelection.All), FakeTaskTokenValidator.TokenFor(Audience, "intruder@other.iam.gserviceaccount.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [TestMethod]
    public async Task Post_ValidToken_StoresTheShard()
    {
        await using var host = Authenticated(out _);
        using var client = host.CreateClient();
        await TaskHost.WaitReadyAsync(client);
        var task = await TaskHost.PlanOneShardAsync(host.Factory, 50);

        using var response = await TaskHost.PostAsync(client, task, FakeTaskTokenValidator.TokenFor(Audience, Email));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual(350, await TaskHost.CountAssessmentsAsync(host.Factory, task.RunId));
    }

    private const string Audience = "https://skills.example/api/v1/tasks/batch-inference";
    private const string Email = "tasks@project.iam.gserviceaccount.com";

    private static AuthenticatedHost Authenticated(out FakeTaskTokenValidator validator)
    {
        var fake = validator = new FakeTaskTokenValidator();
        var parent = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?>
        {
            ["SkillInference:Batch:Tasks:Audience"] = Audience,
            ["SkillInference:Batch:Tasks:ServiceAccountEmail"] = Email,
        });
        return new AuthenticatedHost(parent, parent.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<ITaskTokenValidator>(fake))));
    }

    private sealed class AuthenticatedHost(SkillInferenceHostFactory parent, WebApplicationFactory<Program> factory) : IAsyncDisposable
    {
        public WebApplicationFactory<Program> Factory { get; } = factory;

        public HttpClient CreateClient() => Factory.CreateClient();

        public async ValueTask DisposeAsync()
        {
            await Factory.DisposeAsync();
            await parent.DisposeAsync();
        }
    }
}
