using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Inference;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Integration;

/// <summary>
/// <c>/dashboard</c> in real headless Chromium (Debian's): the host serves the page, its script and the vendored
/// chart library over Kestrel; the page reads the monitoring API with the operator key from the URL fragment. The
/// numbers it renders must equal the API's, and a screenshot is kept.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed partial class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [TestMethod]
    public async Task Dashboard_InHeadlessChromium_RendersEachSkillWithTheApisNumbers()
    {
        Assert.IsTrue(File.Exists(Chromium), $"{Chromium} is missing: run the tests with eng/test.sh, which installs Debian's chromium.");
        await using var factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?> { ["SkillInference:Monitoring:ValidationInterval"] = "00:00:00" });
        factory.UseKestrel(0);
        factory.StartServer();
        using var client = await factory.CreateReadyClientAsync();
        using var operatorClient = factory.CreateAnonymousClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);

        // Traffic: the generator's students on every skill (online), then a batch run and agreeing ratings, validated twice.
        var generator = BatchHarness.Generator;
        var students = generator.Generate(0, 600).ToArray();
        var requests = students.Select(s => new StudentRequest(null, SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow).Linguistic
            .Concat(SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow).Behavioral).ToDictionary())).ToArray();
        await factory.Inference.InferStudentsAsync(requests);
        await factory.Services.GetRequiredService<IStudentDataWriter>().UpsertStudentFeaturesAsync(
            [.. students.Take(60).Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow.AddMinutes(-1)))]);
        await factory.Services.GetRequiredService<BatchRunner>().RunAsync(BatchMode.Full);
        await factory.Services.GetRequiredService<IStudentDataWriter>().UpsertTeacherRatingsAsync(
            [.. students.Take(60).SelectMany(s => SyntheticStudentData.ToTeacherRatings(generator, s, DateTimeOffset.UtcNow))]);
        for (var i = 0; i < 2; i++)
        {
            using var run = await operatorClient.PostAsync(new Uri("/api/v1/monitoring/validation/run", UriKind.Relative), new StringContent("", Encoding.UTF8, "application/json"));
            Assert.AreEqual(HttpStatusCode.OK, run.StatusCode);
            await Task.Delay(10);
        }

        // A rollout of collaboration 1.1.0 under way: its state, share and per-variant counts are on the card.
        await factory.Registry.PublishAsync(TestBundles.WithVersion(await SampleStore.LoadBundleAsync("collaboration"), "1.1.0", "retrained"), new SkillInference.Registry.ChangeContext("test-setup"));
        using (var start = await operatorClient.PostAsync(new Uri("/api/v1/skills/models/collaboration/rollouts", UriKind.Relative), new StringContent("""{"version":"1.1.0","steps":[10,50,100],"bakeTime":"01:00:00"}""", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Created, start.StatusCode, await start.Content.ReadAsStringAsync());
        }

        await factory.Inference.InferStudentsAsync([.. students.Take(200).Select((s, i) => requests[i] with { StudentId = s.StudentId })]);
        var rollout = (await operatorClient.GetJsonAsync("/api/v1/skills/models/collaboration/rollouts"))["current"]!;

        var live = await client.LiveVersionsAsync();
        var drift = (await operatorClient.GetJsonAsync("/api/v1/monitoring/drift"))["models"]!.AsArray()
            .Where(m => m!["modelVersion"]!.GetValue<string>() == live[m["skill"]!.GetValue<string>()]) // the card shows the live version's
            .ToDictionary(m => m!["skill"]!.GetValue<string>(), m => m!);
        var validation = (await operatorClient.GetJsonAsync("/api/v1/monitoring/validation"))["results"]!.AsArray()
            .Where(m => m!["modelVersion"]!.GetValue<string>() == live[m["skill"]!.GetValue<string>()])
            .ToDictionary(m => m!["skill"]!.GetValue<string>(), m => m!);

        var url = new Uri(factory.ClientOptions.BaseAddress, "/dashboard#key=" + SkillInferenceHostFactory.OperatorKey).AbsoluteUri;
        var png = Path.Combine(TempDirectory.Create("dashboard-shot"), "dashboard.png");
        var (shotCode, shotOutput) = await ProcessRunner.RunAsync(Browser("--window-size=1400,2600", "--virtual-time-budget=15000", $"--screenshot={png}", url), TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, shotCode, shotOutput);
        Assert.IsGreaterThan(20_000, new FileInfo(png).Length, "a screenshot with content");
        RetrainingPipeline.CopyToTestResults(png);
        var (code, dom) = await ProcessRunner.RunAsync(Browser("--virtual-time-budget=15000", "--dump-dom", url), TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, code, dom);
        StringAssert.Contains(dom, "data-ready=\"true\"", "the page loaded every API answer");

        foreach (var (skill, version) in live)
        {
            var card = Card(dom, skill);
            Assert.AreEqual(version, Field(card, "live"), skill);
            AssertShown(drift[skill]["scorePsi"]!.GetValue<double>(), Field(card, "scorePsi"), 3, skill + " score PSI");
            AssertShown(drift[skill]["features"]![0]!["psi"]!.GetValue<double>(), Field(card, "featurePsi"), 3, skill + " feature PSI");
            Assert.AreEqual(drift[skill]["n"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), Field(card, "n"), skill);
            AssertShown(drift[skill]["latencyP99Ms"]!.GetValue<double>(), Field(card, "latencyP99Ms"), 3, skill + " p99");
            AssertShown(validation[skill]["pearsonR"]!.GetValue<double>(), Field(card, "pearsonR"), 3, skill + " r");
            Assert.AreEqual(validation[skill]["n"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture), Field(card, "ratedN"), skill);
            StringAssert.Contains(Field(card, "validationState"), validation[skill]["state"]!.GetValue<string>(), skill);
            StringAssert.Contains(Field(card, "driftState"), drift[skill]["state"]!.GetValue<string>(), skill);
            Assert.IsTrue(card.Contains("<canvas", StringComparison.Ordinal), skill + ": charts drawn");
        }

        var rolling = Card(dom, "collaboration");
        StringAssert.Contains(Field(rolling, "rolloutState"), "running");
        StringAssert.Contains(Field(rolling, "rolloutState"), "1.1.0 vs 1.0.0");
        Assert.AreEqual("1 of 3", Field(rolling, "rolloutStep"));
        AssertShown(rollout["weight"]!.GetValue<double>(), Field(rolling, "rolloutWeight"), 1, "candidate share");
        Assert.AreEqual(rollout["metrics"]!["stable"]!["predictions"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), Field(rolling, "stablePredictions"));
        Assert.AreEqual(rollout["metrics"]!["candidate"]!["predictions"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), Field(rolling, "candidatePredictions"));
        Assert.IsGreaterThan(0, rollout["metrics"]!["candidate"]!["predictions"]!.GetValue<long>(), "identified students reached the candidate");
        Assert.AreEqual("none", Field(Card(dom, "curiosity"), "rolloutState"));
        Assert.IsFalse(students.Any(s => dom.Contains(s.StudentId, StringComparison.Ordinal)), "no student id on the dashboard");

        // The validation gauges deploy/prometheus/alerts.yml uses are on /metrics.
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var name in new[] { "skillinference_validation_pearson_r{", "skillinference_validation_pairs{", "skillinference_validation_coverage{" })
        {
            StringAssert.Contains(metrics, name);
        }
    }

    [TestMethod]
    public async Task Dashboard_Page_IsServedWithoutCredentialButItsDataNeedsOperate()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var anonymous = factory.CreateAnonymousClient();

        using var page = await anonymous.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var library = await anonymous.GetAsync(new Uri("/dashboard/chart.umd.min.js", UriKind.Relative));
        using var data = await anonymous.GetAsync(new Uri("/api/v1/monitoring/drift", UriKind.Relative));

        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        StringAssert.Contains(await page.Content.ReadAsStringAsync(), "/dashboard/chart.umd.min.js");
        Assert.AreEqual(HttpStatusCode.OK, library.StatusCode);
        StringAssert.Contains(await library.Content.ReadAsStringAsync(), "Chart.js v4.6.1");
        Assert.AreEqual(HttpStatusCode.Unauthorized, data.StatusCode);
    }

    private static string Card(string dom, string skill)
    {
        var start = dom.IndexOf($"data-skill=\"{skill}\"", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"no card for {skill}");
        var end = dom.IndexOf("data-skill=\"", start + 12, StringComparison.Ordinal);
        return end < 0 ? dom[start..] : dom[start..end];
    }

    private static string Field(string card, string field)
    {
        var match = Regex.Match(card, $"data-field=\"{field}\">(.*?)</(?:td|b)>", RegexOptions.Singleline);
        Assert.IsTrue(match.Success, $"no {field} in the card");
        return Regex.Replace(match.Groups[1].Value, "<[^>]+>", "").Trim();
    }

    private static void AssertShown(double expected, string shown, int decimals, string what) =>
        Assert.AreEqual(Math.Round(expected, decimals, MidpointRounding.AwayFromZero), double.Parse(shown, CultureInfo.InvariantCulture), Math.Pow(10, -decimals) * 1.01, what);

    private static ProcessStartInfo Browser(params string[] args)
    {
        var info = new ProcessStartInfo(Chromium);
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", $"--user-data-dir={TempDirectory.Create("chromium")}" }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }
}
