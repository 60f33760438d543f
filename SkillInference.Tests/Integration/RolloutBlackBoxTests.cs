using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// Black box: two host processes share one file-system store; a rollout started on one, with bake times of a few
/// seconds, is driven under traffic sent to both, steps once per step (one driver under the lease), and ends with the
/// candidate deployed and no variants, served by both processes.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class RolloutBlackBoxTests
{
    private const string Key = "k-rollout-blackbox-5e6f7a8b";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TwoHostProcesses_RolloutUnderTraffic_StepsOnceEachAndPromotes()
    {
        var store = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(store);
        await registry.PublishAsync(TestBundles.WithVersion(await registry.Bundles.ReadAsync("collaboration", "1.0.0"), "1.1.0"), new ChangeContext("setup"));
        await using var a = StartHost(store, "host-a", out var httpA);
        await using var b = StartHost(store, "host-b", out var httpB);
        using (httpA)
        using (httpB)
        {
            await WaitUntilAsync(async () => await StatusAsync(httpA, "/health/ready") == HttpStatusCode.OK && await StatusAsync(httpB, "/health/ready") == HttpStatusCode.OK, a, b);

            using (var start = await httpA.PostAsJsonAsync(
                new Uri("/api/v1/skills/models/collaboration/rollouts", UriKind.Relative),
                new { version = "1.1.0", steps = new[] { 20, 100 }, bakeTime = "00:00:03", guards = new { minSamples = 100, maxScorePsi = 1.0 }, reason = "black box" }))
            {
                Assert.AreEqual(HttpStatusCode.Created, start.StatusCode, await start.Content.ReadAsStringAsync() + a.Output);
            }

            var rows = SampleRows.Requests(SampleStore.Catalog["collaboration"].Schema, 500);
            var next = 0;
            JsonNode? ended = null;
            await WaitUntilAsync(
                async () =>
                {
                    // Traffic to both processes: 50 identified students a request, new students every time.
                    foreach (var http in new[] { httpA, httpB })
                    {
                        var items = Enumerable.Range(next, 50).Select(i => new { studentId = $"bb-{i}", skill = "collaboration", features = rows[i % rows.Count] }).ToArray();
                        next += 50;
                        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/skills/infer/batch", UriKind.Relative), new { items });
                        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
                    }

                    var listed = JsonNode.Parse(await httpB.GetStringAsync(new Uri("/api/v1/skills/models/collaboration/rollouts", UriKind.Relative)))!;
                    ended = listed["current"] is null ? listed["past"]![0] : null;
                    return ended is not null;
                },
                a,
                b);

            TestContext.WriteLine(ended!.ToJsonString());
            Assert.AreEqual("promoted", ended["state"]!.GetValue<string>(), ended.ToJsonString());
            var actions = ended["decisions"]!.AsArray().Select(d => d!["action"]!.GetValue<string>()).ToArray();
            Assert.AreEqual(1, actions.Count(x => x == "step"), string.Join(", ", actions));
            Assert.AreEqual("promoted", actions[^1]);
            var drivers = ended["decisions"]!.AsArray().Where(d => d!["action"]!.GetValue<string>() is "step" or "promoted").Select(d => d!["actor"]!.GetValue<string>()).ToArray();
            Assert.IsTrue(drivers.All(d => d is "host-a" or "host-b"), string.Join(", ", drivers));

            var registration = (await registry.ReadAsync()).Document.Skills["collaboration"];
            Assert.AreEqual("1.1.0", registration.Deployed);
            Assert.AreEqual(0, registration.Variants.Count);
            await WaitUntilAsync(async () => await LiveAsync(httpA) == "1.1.0" && await LiveAsync(httpB) == "1.1.0", a, b);
        }
    }

    private static ProcessRunner StartHost(string store, string instance, out HttpClient http)
    {
        var port = ProcessRunner.FreePort();
        var host = ProcessRunner.Start(
            "SkillInference.Host.dll",
            TempDirectory.Create(instance),
            "--urls", $"http://127.0.0.1:{port}",
            "--SkillInference:Store:Path", store,
            "--SkillInference:Samples:SeedWhenEmpty", "false",
            "--SkillInference:ReloadInterval", "00:00:01",
            "--SkillInference:Rollouts:InstanceId", instance,
            "--SkillInference:Rollouts:EvaluationInterval", "00:00:01",
            "--SkillInference:Rollouts:LeaseDuration", "00:00:04",
            "--SkillInference:Cache:KeySecret", "black-box-cache-secret",
            "--SkillInference:Auth:ApiKeys:ops:Key", Key,
            "--SkillInference:Auth:ApiKeys:ops:Scopes:0", "score",
            "--SkillInference:Auth:ApiKeys:ops:Scopes:1", "operate");
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return host;
    }

    private static async Task<string?> LiveAsync(HttpClient http) =>
        (await http.LiveVersionsAsyncForBlackBox()).GetValueOrDefault("collaboration");

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, ProcessRunner a, ProcessRunner b)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.IsFalse(a.HasExited || b.HasExited, "a host exited:\n" + a.Output + "\n---\n" + b.Output);
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out; host output:\n" + a.Output + "\n---\n" + b.Output);
            await Task.Delay(250);
        }
    }
}

internal static class BlackBoxHttp
{
    public static async Task<Dictionary<string, string?>> LiveVersionsAsyncForBlackBox(this HttpClient http) =>
        JsonNode.Parse(await http.GetStringAsync(new Uri("/api/v1/skills/models", UriKind.Relative)))!["skills"]!.AsArray()
            .ToDictionary(s => s!["skill"]!.GetValue<string>(), s => s!["live"]?.GetValue<string>());
}
