using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The README's run command, for real: the built host as a process on an empty store trains the sample models from
/// synthetic data, serves all seven skills, and hot-reloads a model that the built CLI trains, publishes and deploys.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class EmbeddedDefaultEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Host_OnEmptyStore_TrainsServesAndReloadsWhatTheCliDeploys()
    {
        var work = TempDirectory.Create("e2e");
        var store = Path.Combine(work, "store");
        var port = ProcessRunner.FreePort();
        await using var host = ProcessRunner.Start(
            "SkillInference.Host.dll",
            work,
            "--urls", $"http://127.0.0.1:{port}",
            "--SkillInference:Store:Path", store,
            "--SkillInference:Samples:Students", "2000",
            "--SkillInference:ReloadInterval", "00:00:01");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await WaitUntilAsync(async () => (await TryGetAsync(http, "/health/ready")) == HttpStatusCode.OK, host);

        Assert.Contains("is empty: creating the sample bundles", host.Output);

        // No credential configured: the host created the local all-scopes key file (owner-only), logged its path, not the key.
        var keyFile = Path.Combine(work, ".skillinference", "api-key");
        var key = (await File.ReadAllTextAsync(keyFile)).Trim();
        Assert.Contains(keyFile, host.Output);
        Assert.DoesNotContain(key, host.Output);
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/skills/models", UriKind.Relative))).StatusCode, "no key: 401");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        using (var models = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/skills/models", UriKind.Relative))))
        {
            var skills = models.RootElement.GetProperty("skills").EnumerateArray().ToArray();
            Assert.HasCount(7, skills);
            Assert.IsTrue(skills.All(s => s.GetProperty("deployed").GetString() == "1.0.0" && s.GetProperty("live").GetString() == "1.0.0"));
            Assert.IsTrue(skills.All(s => s.GetProperty("versions")[0].GetProperty("metrics").GetProperty("auc").GetDouble() > 0.7));
        }

        foreach (var skill in SampleStoreSkills.Ids)
        {
            var features = SampleRows.Student(11).Where(kv => SampleStore.Catalog[skill].Schema.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            using var response = await http.PostAsJsonAsync(new Uri("/api/v1/skills/infer", UriKind.Relative), new { skill, studentId = "S0000011", features });
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.IsTrue(body.RootElement.GetProperty("score").GetDouble() is >= 0 and <= 1);
        }

        // A data scientist's loop with the CLI against the same store: synthesize, train 1.1.0, publish and deploy.
        var csv = Path.Combine(work, "students.csv");
        var bundles = Path.Combine(work, "bundles");
        await RunCliAsync(work, "synth", "--count", "1500", "--seed", "9", "--out", csv, "--catalog", SampleStore.CatalogPath);
        await RunCliAsync(work, "train", "--data", csv, "--skill", "collaboration", "--version", "1.1.0", "--trees", "40", "--out", bundles, "--catalog", SampleStore.CatalogPath);
        await RunCliAsync(work, "publish", Path.Combine(bundles, "collaboration", "1.1.0"), "--store", store, "--deploy", "--actor", "e2e", "--reason", "retrained");

        await WaitUntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/skills/models", UriKind.Relative)));
            return doc.RootElement.GetProperty("skills").EnumerateArray().Single(s => s.GetProperty("skill").GetString() == "collaboration").GetProperty("live").GetString() == "1.1.0";
        }, host);

        var (code, listing) = await ProcessRunner.RunAsync("skillinf.dll", work, Deadline, "models", "list", "--store", store);
        Assert.AreEqual(0, code, listing);
        Assert.Contains("1.0.0, 1.1.0", listing);
    }

    private static async Task RunCliAsync(string work, params string[] args)
    {
        var (code, output) = await ProcessRunner.RunAsync("skillinf.dll", work, Deadline, args);
        Assert.AreEqual(0, code, $"skillinf {string.Join(' ', args)} failed:\n{output}");
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
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

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, ProcessRunner host)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.IsFalse(host.HasExited, "the host exited:\n" + host.Output);
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out; host output:\n" + host.Output);
            await Task.Delay(200);
        }
    }
}
