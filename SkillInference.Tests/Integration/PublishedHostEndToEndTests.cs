using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// From notebook to a running service, end to end: the seven Phase-0 bundles of <see cref="RetrainingPipeline"/> are
/// imported into a bucket of the Cloud Storage emulator, and the host as deploy/publish-host.sh writes it runs the way
/// Cloud Run runs the container (deploy/Dockerfile): <c>PORT</c> set, an unprivileged user, the app folder read-only
/// and a scratch folder as the working directory, its store in the bucket, PostgreSQL with the password from the environment (as Secret
/// Manager injects it). <c>skillinf smoke</c> passes against it, its scores over HTTP equal xgboost's own
/// <c>predict_proba</c>, SIGTERM lets an in-flight request finish and the process exit within 10 s; and smoke fails
/// against a host whose bucket has one broken skill.
/// </summary>
[TestClass]
[TestCategory("Integration")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PublishedHostEndToEndTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public async Task PublishedHost_PhaseZeroBundlesInTheBucket_PassesSmokeServesPredictProbaAndStopsGracefully()
    {
        var pipeline = await RetrainingPipeline.EnsureAsync();
        var (bucketStore, prefix) = await ImportIntoBucketAsync(pipeline, "e2e");
        await using var db = await PostgresServer.CreateDatabaseAsync();
        var app = await PublishedHost.EnsurePublishedAsync();
        Assert.AreEqual((UnixFileMode)0, File.GetUnixFileMode(app) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), "the app folder is read-only");
        var port = ProcessRunner.FreePort();

        // As deploy/Dockerfile runs it: the working directory is the scratch space, the app folder beside it read-only.
        await using var host = PublishedHost.Start(app, PublishedHost.ScratchDirectory(), Environment(port, prefix, db.Connection));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", SmokeKey);
        await PublishedHost.WaitForAsync(http, host, "/health/ready", HttpStatusCode.OK, StartTimeout);

        var smoke = await Skillinf.RunAsync(["smoke", "--url", http.BaseAddress.ToString(), "--api-key", SmokeKey, .. pipeline.Skills.SelectMany(s => new[] { "--expect-skill", s })]);
        RetrainingPipeline.CopyToTestResults(WriteText("smoke-pass.txt", smoke.Output + smoke.Error));
        Assert.AreEqual(0, smoke.ExitCode, $"{smoke}\n--- host\n{host.Output}");
        StringAssert.Contains(smoke.Output, "smoke: 15 passed, 0 failed");
        StringAssert.Contains(host.Output, $"Now listening on: http://0.0.0.0:{port}");

        foreach (var skill in pipeline.Skills)
        {
            await AssertServesPredictProbaAsync(http, pipeline, skill);
        }

        await AssertInFlightRequestFinishesAfterSigtermAsync(host, port, pipeline);
        bucketStore.Dispose();
    }

    [TestMethod]
    public async Task Smoke_HostWithOneBrokenSkill_FailsAndNamesIt()
    {
        var pipeline = await RetrainingPipeline.EnsureAsync();
        var (bucketStore, prefix) = await ImportIntoBucketAsync(pipeline, "e2e-broken");
        using (bucketStore)
        {
            // A model file that no longer matches its manifest's SHA-256: the bundle is never served.
            await bucketStore.WriteAsync("skills/creativity/2.0.0/model.json", Encoding.UTF8.GetBytes("{\"learner\": \"truncated"), WriteCondition.None, CancellationToken.None);
        }

        var app = await PublishedHost.EnsurePublishedAsync();
        var port = ProcessRunner.FreePort();
        await using var host = PublishedHost.Start(app, PublishedHost.ScratchDirectory(), Environment(port, prefix, database: null));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", SmokeKey);
        await PublishedHost.WaitForAsync(http, host, "/health/live", HttpStatusCode.OK, StartTimeout);

        var smoke = await Skillinf.RunAsync("smoke", "--url", http.BaseAddress.ToString(), "--api-key", SmokeKey, "--ready-timeout-s", "3");
        RetrainingPipeline.CopyToTestResults(WriteText("smoke-broken.txt", smoke.Output + smoke.Error));

        Assert.AreEqual(1, smoke.ExitCode, smoke.ToString());
        StringAssert.Contains(smoke.Output, "FAIL ready: /health/ready answered 503");
        StringAssert.Contains(smoke.Output, "FAIL models: creativity: deployed 2.0.0 but live none");
        StringAssert.Contains(smoke.Output, "FAIL score creativity: POST /infer answered 503");
        StringAssert.Contains(smoke.Output, "PASS score collaboration");
        StringAssert.Contains(smoke.Output, "smoke: 12 passed, 3 failed");
    }

    private const string SmokeKey = "smoke-key-0123456789abcdef";

    /// <summary>The host's environment as deploy/cloudrun/service.yaml sets it (PORT comes from Cloud Run itself).</summary>
    private static Dictionary<string, string?> Environment(int port, string prefix, string? database)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SkillInference__Store__Kind"] = "Gcs",
            ["SkillInference__Store__Bucket"] = GcsEmulator.Bucket,
            ["SkillInference__Store__Prefix"] = prefix,
            ["SkillInference__Store__EmulatorHost"] = GcsEmulator.Host,
            ["SkillInference__Samples__SeedWhenEmpty"] = "false",
            ["SkillInference__Cache__KeySecret"] = "e2e-cache-key-secret",
            ["SkillInference__Auth__ApiKeys__smoke__Key"] = SmokeKey,
            ["SkillInference__Auth__ApiKeys__smoke__Scopes__0"] = "score",
            ["SkillInference__Auth__ApiKeys__smoke__Scopes__1"] = "operate",
        };
        // No database given: the embedded SQLite file, relative to the working directory (/tmp in the container).
        if (database is not null)
        {
            var withoutPassword = new NpgsqlConnectionStringBuilder(database) { Password = null };
            environment["SkillInference__Database__Kind"] = "Postgres";
            environment["SkillInference__Database__ConnectionString"] = withoutPassword.ConnectionString;
            environment["SkillInference__Database__MigrateOnStartup"] = "true";
            environment["PGPASSWORD"] = new NpgsqlConnectionStringBuilder(database).Password;
        }

        return environment;
    }

    private static async Task<(GcsModelStore Store, string Prefix)> ImportIntoBucketAsync(RetrainingPipeline.Output pipeline, string name)
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions(name);
        await pipeline.ImportAllAsync($"gs://{options.Bucket}/{options.Prefix}");
        return (new GcsModelStore(options), options.Prefix);
    }

    private static async Task AssertServesPredictProbaAsync(HttpClient http, RetrainingPipeline.Output pipeline, string skill)
    {
        var rows = pipeline.HeldOutRows(skill);
        var expected = pipeline.ExpectedProbabilities(skill);
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/skills/infer/batch", UriKind.Relative), new { items = rows.Select(r => new { skill, features = r }) });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        var results = body["results"]!.AsArray();
        Assert.HasCount(rows.Count, results);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.AreEqual(expected[i], results[i]!["result"]!["score"]!.GetValue<double>(), $"{skill} row {i}: the served score equals predict_proba bit for bit");
        }
    }

    /// <summary>A request whose body is still arriving when SIGTERM comes is answered; then the process exits, within Cloud Run's 10 s.</summary>
    private static async Task AssertInFlightRequestFinishesAfterSigtermAsync(ProcessRunner host, int port, RetrainingPipeline.Output pipeline)
    {
        var skill = pipeline.Skills[0];
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { skill, features = pipeline.HeldOutRows(skill)[0] }));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/v1/skills/infer HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Api-Key: {SmokeKey}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        await stream.FlushAsync();
        await Task.Delay(300);

        var terminated = Stopwatch.StartNew();
        await PublishedHost.TerminateAsync(host);
        await Task.Delay(1000);
        Assert.IsFalse(host.HasExited, $"the host must wait for the in-flight request:\n{host.Output}");
        await stream.WriteAsync(body.AsMemory(body.Length / 2));
        await stream.FlushAsync();
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync();

        StringAssert.StartsWith(response, "HTTP/1.1 200", $"the in-flight request is answered:\n{response}");
        StringAssert.Contains(response, "\"score\":");
        Assert.IsTrue(await host.WaitForExitAsync(TimeSpan.FromSeconds(10) - terminated.Elapsed), $"the host must exit within 10 s of SIGTERM:\n{host.Output}");
        Assert.AreEqual(0, host.ExitCode, host.Output);
        Assert.IsLessThan(10.0, terminated.Elapsed.TotalSeconds);
    }

    private static string WriteText(string name, string text)
    {
        var path = Path.Combine(TempDirectory.Create("smoke"), name);
        File.WriteAllText(path, text);
        return path;
    }
}
