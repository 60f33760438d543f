using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// <c>skillinf report</c> on a Phase-0 bundle (the notebook's collaboration model, 2.0.0) against the sample FastTree
/// bundle (1.0.0), on the notebook's held-out rows, rendered by headless Chromium: a screenshot is kept in
/// TestResults/retraining/, and the numbers the rendered page shows equal scikit-learn's AUC and numpy's Pearson r
/// from the notebook (2.0.0: the same rows, scored bit for bit as xgboost does) and a brute-force Mann–Whitney AUC
/// computed here from the service's own scores (1.0.0).
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class ReportCommandTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static RetrainingPipeline.Output _pipeline = null!;
    private static string _store = null!;
    private static string _report = null!;
    private static CliResult _result = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _pipeline = await RetrainingPipeline.EnsureAsync();
        _store = SampleStore.Copy();
        await _pipeline.ImportAllAsync(_store);
        _report = Path.Combine(TempDirectory.Create("report"), "collaboration-2.0.0.html");
        _result = await Skillinf.RunAsync("report", "collaboration", "2.0.0", "--against", "1.0.0", "--store", _store, "--data", Path.Combine(_pipeline.Models, "collaboration.heldout.csv"), "--out", _report);
    }

    [TestMethod]
    public async Task Report_RenderedInChromium_ShowsTheNotebooksAucAndPearsonR()
    {
        Assert.AreEqual(0, _result.ExitCode, _result.ToString());
        var dom = await RenderAsync(_report, "report-collaboration.png");
        using var metadata = _pipeline.Metadata("collaboration");
        var metrics = metadata.RootElement.GetProperty("metrics");

        AssertShown(dom, "auc", "2.0.0", metrics.GetProperty("auc").GetDouble(), 1e-12);
        AssertShown(dom, "pearson-r", "2.0.0", metrics.GetProperty("pearson_r").GetDouble(), 1e-12);
        AssertShown(dom, "log-loss", "2.0.0", metrics.GetProperty("log_loss").GetDouble(), 1e-9);
        AssertShown(dom, "accuracy", "2.0.0", metrics.GetProperty("accuracy").GetDouble(), 0);
        AssertShown(dom, "rows", "2.0.0", metrics.GetProperty("test_count").GetInt32(), 0);
        AssertShown(dom, "bundle-auc", "2.0.0", metrics.GetProperty("auc").GetDouble(), 0);
    }

    [TestMethod]
    public async Task Report_AgainstAnotherVersion_ShowsItsMannWhitneyAucAndBothCurves()
    {
        Assert.AreEqual(0, _result.ExitCode, _result.ToString());
        var dom = await RenderAsync(_report, null);
        var rows = _pipeline.HeldOutRows("collaboration");
        var labels = File.ReadAllLines(Path.Combine(_pipeline.Models, "collaboration.heldout.csv")).Skip(1)
            .Select(l => (int)double.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var scores = (await harness.Service.InferBatchAsync([.. rows.Select(r => new SkillInference.Inference.InferenceRequest("collaboration", r))])).Select(o => o.Result!.Score).ToArray();

        AssertShown(dom, "auc", "1.0.0", MannWhitneyAuc(scores, labels), 1e-12);
        Assert.HasCount(2, Regex.Matches(dom, "<polyline class=\"roc-curve\""), "one ROC curve per version");
        Assert.HasCount(2, Regex.Matches(dom, "<polyline class=\"calibration-curve\""));
        Assert.HasCount(2 * SampleStore.Catalog["collaboration"].Schema.Count, Regex.Matches(dom, "class=\"importance-bar\""), "an importance bar per feature and version");
        Assert.HasCount(2 * 2 * 10, Regex.Matches(dom, "class=\"histogram-bar\""), "evaluation and reference, ten bins, two versions");
    }

    [TestMethod]
    public async Task Report_File_IsSelfContained()
    {
        Assert.AreEqual(0, _result.ExitCode, _result.ToString());
        var html = await File.ReadAllTextAsync(_report);

        Assert.DoesNotContain("<script", html, "no scripts");
        Assert.DoesNotContain("<link", html, "no stylesheets from elsewhere");
        Assert.DoesNotMatchRegex(new Regex("(src|href)=\"(https?:)?//"), html, "nothing loaded from the network");
        StringAssert.Contains(html, "<svg class=\"roc\"");
    }

    [TestMethod]
    public async Task Report_DataWithoutLabels_SaysWhatIsNeeded()
    {
        var data = Path.Combine(TempDirectory.Create("report-data"), "unlabelled.csv");
        await File.WriteAllTextAsync(data, "student_id,politeness\np1,0.5\n");

        var result = await Skillinf.RunAsync("report", "collaboration", "1.0.0", "--store", SampleStore.Path, "--data", data, "--out", Path.Combine(TempDirectory.Create("report"), "r.html"));

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "has no label_collaboration column");
    }

    /// <summary>P(score of a positive > score of a negative) + half the ties, over every pair.</summary>
    private static double MannWhitneyAuc(double[] scores, int[] labels)
    {
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (labels[i] == 1 && labels[j] == 0)
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        return wins / pairs;
    }

    private static void AssertShown(string dom, string metric, string version, double expected, double tolerance)
    {
        var cell = Regex.Match(dom, $"<td class=\"metric\" data-metric=\"{metric}\" data-version=\"{Regex.Escape(version)}\" data-value=\"([^\"]+)\">([^<]*)</td>");
        Assert.IsTrue(cell.Success, $"the page shows no {metric} for {version}");
        Assert.AreEqual(expected, double.Parse(cell.Groups[1].Value, CultureInfo.InvariantCulture), tolerance, $"{metric} of {version}");
        var shown = double.Parse(cell.Groups[2].Value, CultureInfo.InvariantCulture);
        var decimals = cell.Groups[2].Value.Contains('.', StringComparison.Ordinal) ? cell.Groups[2].Value.Split('.')[1].Length : 0;
        Assert.AreEqual(Math.Round(expected, decimals, MidpointRounding.AwayFromZero), shown, Math.Pow(10, -decimals), $"{metric} of {version} as displayed");
    }

    /// <summary>Renders the page in headless Chromium; keeps a screenshot when named; returns the rendered DOM.</summary>
    private static async Task<string> RenderAsync(string file, string? screenshot)
    {
        if (!File.Exists(Chromium))
        {
            Assert.Fail($"{Chromium} is missing: run the tests with eng/test.sh, which installs Debian's chromium.");
        }

        var url = new Uri(file).AbsoluteUri;
        if (screenshot is not null)
        {
            var png = Path.Combine(TempDirectory.Create("shot"), screenshot);
            var (shotCode, shotOutput) = await ProcessRunner.RunAsync(Browser("--window-size=1280,2400", $"--screenshot={png}", url), TimeSpan.FromMinutes(2));
            Assert.AreEqual(0, shotCode, shotOutput);
            Assert.IsGreaterThan(10_000, new FileInfo(png).Length, "a screenshot with content");
            RetrainingPipeline.CopyToTestResults(png);
        }

        var (code, output) = await ProcessRunner.RunAsync(Browser("--dump-dom", url), TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "evaluation report</h1>", "the rendered DOM");
        return output;
    }

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
