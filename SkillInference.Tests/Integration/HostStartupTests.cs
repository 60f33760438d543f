using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The published host started the way a container or an operator starts it — <c>/app/SkillInference.Host</c>
/// from another directory: it reads its own appsettings.json, listens on <c>PORT</c>, and does not log every request.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class HostStartupTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public async Task PublishedHost_StartedFromAnotherDirectory_ReadsItsOwnAppSettingsAndListensOnPort()
    {
        var app = await PublishedHost.LinkedCopyAsync("own-settings");
        var settingsPath = Path.Combine(app, "appsettings.json");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(settingsPath))!;
        settings["SkillInference"]!["MaxBatchSize"] = 2;
        File.Delete(settingsPath); // a hard link to the published file: replace it, do not write through it
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());
        var port = ProcessRunner.FreePort();

        var scratch = PublishedHost.ScratchDirectory();
        await using var host = PublishedHost.Start(app, scratch, Environment(port));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await PublishedHost.WaitForAsync(http, host, "/health/live", HttpStatusCode.OK, StartTimeout);
        http.DefaultRequestHeaders.Add("X-Api-Key", (await File.ReadAllTextAsync(Path.Combine(scratch, ".skillinference", "api-key"))).Trim());
        using var response = await http.PostAsync(new Uri("/api/v1/skills/infer/batch", UriKind.Relative), Json("""{"items":[{"skill":"a","features":{}},{"skill":"a","features":{}},{"skill":"a","features":{}}]}"""));

        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode, host.Output);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "the limit is 2");
        StringAssert.Contains(host.Output, $"Content root path: {app}");
    }

    [TestMethod]
    public async Task PublishedHost_WithoutAppSettings_DoesNotLogRequests()
    {
        var app = await PublishedHost.LinkedCopyAsync("no-settings");
        File.Delete(Path.Combine(app, "appsettings.json"));
        var port = ProcessRunner.FreePort();

        await using var host = PublishedHost.Start(app, PublishedHost.ScratchDirectory(), Environment(port));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await PublishedHost.WaitForAsync(http, host, "/health/live", HttpStatusCode.OK, StartTimeout);
        for (var i = 0; i < 50; i++)
        {
            using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        }

        StringAssert.Contains(host.Output, "Now listening on: http://0.0.0.0:" + port);
        Assert.DoesNotContain("Request starting", host.Output);
        Assert.DoesNotContain("Executing endpoint", host.Output);
    }

    [TestMethod]
    public async Task PublishedHost_UrlsGiven_WinOverPort()
    {
        var app = await PublishedHost.EnsurePublishedAsync();
        var port = ProcessRunner.FreePort();

        await using var host = PublishedHost.Start(app, PublishedHost.ScratchDirectory(), Environment(port, portVariable: "not-a-port"), "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await PublishedHost.WaitForAsync(http, host, "/health/live", HttpStatusCode.OK, StartTimeout);
    }

    [TestMethod]
    public async Task PublishedHost_PortNotANumber_ExitsWithAClearError()
    {
        var app = await PublishedHost.EnsurePublishedAsync();

        await using var host = PublishedHost.Start(app, PublishedHost.ScratchDirectory(), Environment(0, portVariable: "80a"));

        Assert.IsTrue(await host.WaitForExitAsync(StartTimeout), host.Output);
        Assert.AreNotEqual(0, host.ExitCode);
        StringAssert.Contains(host.Output, "PORT '80a' is not a TCP port number (1-65535).");
    }

    private static Dictionary<string, string?> Environment(int port, string? portVariable = null) => new()
    {
        ["PORT"] = portVariable ?? port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SkillInference__Samples__SeedWhenEmpty"] = "false",
    };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
