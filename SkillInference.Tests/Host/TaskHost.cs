using System.Net;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Host;

/// <summary>
/// A host over the sample models with the Cloud Tasks dispatcher (so the task endpoint is mapped) that accepts ID
/// tokens of <see cref="Email"/> for <see cref="Audience"/> signed by a local <see cref="GoogleIdTokenIssuer"/>; its
/// batch database holds seeded students and one planned run, for shard task tests.
/// </summary>
internal static class TaskHost
{
    public const string Path = "/api/v1/tasks/batch-inference";
    public const string Audience = "https://skills.example/api/v1/tasks/batch-inference";
    public const string Email = "tasks@project.iam.gserviceaccount.com";

    /// <summary>Settings of a host whose dispatcher is Cloud Tasks, verifying tokens against <paramref name="jwksUri"/>.</summary>
    public static Dictionary<string, string?> CloudTasksSettings(string jwksUri) => new()
    {
        ["SkillInference:Batch:Dispatcher"] = "CloudTasks",
        ["SkillInference:Batch:CloudTasks:ProjectId"] = "skills-test",
        ["SkillInference:Batch:CloudTasks:Location"] = "europe-west1",
        ["SkillInference:Batch:CloudTasks:Queue"] = "skillinference-batch",
        ["SkillInference:Batch:CloudTasks:TargetUrl"] = Audience,
        ["SkillInference:Batch:CloudTasks:ServiceAccountEmail"] = Email,
        ["SkillInference:Auth:GoogleIdTokens:JwksUri"] = jwksUri,
    };

    /// <summary>A host whose task endpoint accepts <paramref name="issuer"/>'s tokens of <see cref="Email"/>.</summary>
    public static SkillInferenceHostFactory Create(GoogleIdTokenIssuer issuer, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = CloudTasksSettings(issuer.JwksUri);
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return SkillInferenceHostFactory.OverSampleCopy(settings);
    }

    /// <summary>Seeds <paramref name="students"/> students into the host's database and records a running run of one planned shard covering them all.</summary>
    public static async Task<ShardTask> PlanOneShardAsync(WebApplicationFactory<Program> factory, int students, string? extraStudentId = null)
    {
        var writer = factory.Services.GetRequiredService<IStudentDataWriter>();
        var generated = BatchHarness.Generator.Generate(0, students).ToArray();
        var rows = generated.Select(s => SyntheticStudentData.ToStudentFeatures(BatchHarness.Generator, s, BatchHarness.SeededAt)).ToList();
        if (extraStudentId is not null)
        {
            rows.Add(rows[0] with { StudentId = extraStudentId });
        }

        await writer.UpsertStudentFeaturesAsync(rows);
        var now = DateTimeOffset.UtcNow;
        var run = new InferenceRun
        {
            RunId = Guid.CreateVersion7(now),
            Mode = BatchMode.Full,
            Status = RunStatus.Running,
            StartedAt = now,
            Dispatcher = "cloud-tasks",
            Shards = 1,
            StudentsPlanned = rows.Count,
        };
        var store = factory.Services.GetRequiredService<IAssessmentStore>();
        Assert.IsNull(await store.TryStartRunAsync(run, now.AddHours(-6)));
        var task = new ShardTask(run.RunId, 0, null, rows.Select(r => r.StudentId).Max(StringComparer.Ordinal)!, StudentSelection.All);
        await store.RecordShardPlanAsync(run.RunId, [task]);
        return task;
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, ShardTask task, string? bearer = null, int retryCount = 0) =>
        await PostAsync(client, Encoding.UTF8.GetString(ShardTaskJson.Serialize(task)), bearer, retryCount.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string json, string? bearer = null, string? retryCount = "0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-CloudTasks-TaskName", "projects/p/locations/l/queues/q/tasks/t-1");
        if (retryCount is not null)
        {
            request.Headers.Add("X-CloudTasks-TaskRetryCount", retryCount);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return await client.SendAsync(request);
    }

    public static async Task<int> CountAssessmentsAsync(WebApplicationFactory<Program> factory, Guid runId)
    {
        var count = 0;
        await foreach (var _ in factory.Services.GetRequiredService<IAssessmentStore>().ReadAssessmentsAsync(runId))
        {
            count++;
        }

        return count;
    }

    public static async Task WaitReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            Assert.IsLessThan(deadline, DateTime.UtcNow, "the host did not become ready");
            await Task.Delay(50);
        }
    }
}
