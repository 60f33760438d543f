using System.Globalization;
using System.Text.Json.Nodes;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

/// <summary><c>skillinf predict</c>: one JSON line per CSV row, in order, each a score or an error; scores equal the service's, on either mlnet engine (<c>--engine</c>).</summary>
[TestClass]
public sealed class PredictCommandTests
{
    private const string Skill = "curiosity";

    [TestMethod]
    public async Task Predict_CsvWithGoodAndBadRows_OneLinePerRowInOrderEachAScoreOrAnError()
    {
        var csv = Write("""
            student_id,questions_asked_per_week,question_rate
            S1,3,0.2

            "S,2",4,
            S3,abc,0.1
            S4,1
            S5,2,0.3
            """);

        var (result, lines) = await PredictAsync(csv);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5 }, lines.Select(l => l["row"]!.GetValue<int>()).ToArray(), "the blank line is not a row");
        CollectionAssert.AreEqual(new[] { "S1", "S,2", "S3", "S4", "S5" }, lines.Select(l => l["student_id"]!.GetValue<string>()).ToArray());
        Assert.AreEqual("'questions_asked_per_week' is not a number", lines[2]["error"]!["message"]!.GetValue<string>());
        Assert.Contains("2 cells", lines[3]["error"]!["message"]!.GetValue<string>());
        Assert.Contains("2 rows had errors", result.Error);
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var expected = new (int Line, Dictionary<string, double?> Features)[]
        {
            (0, new() { ["questions_asked_per_week"] = 3, ["question_rate"] = 0.2 }),
            (1, new() { ["questions_asked_per_week"] = 4 }),
            (4, new() { ["questions_asked_per_week"] = 2, ["question_rate"] = 0.3 }),
        };
        foreach (var (line, features) in expected)
        {
            var score = await harness.Service.InferAsync(new InferenceRequest(Skill, features));
            Assert.AreEqual(score.Score, lines[line]["score"]!.GetValue<double>(), $"line {line}");
            Assert.AreEqual(score.Confidence, lines[line]["confidence"]!.GetValue<double>(), $"line {line}");
            CollectionAssert.AreEqual(score.ImputedFeatures.ToArray(), lines[line]["imputed_features"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());
        }
    }

    [TestMethod]
    public async Task Predict_NumbersInAnyShape_ReadAsTheRuntimeReadsThemAndACellWithMoreIsAnError()
    {
        // Short decimals take their own path; exponents and trailing zeros take Sep's; a number followed by more text
        // is not a number whichever path sees it first.
        var csv = Write("""
            student_id,questions_asked_per_week,question_rate
            S1,3,0.2
            S2,3.0,2E-1
            S3,0.3e1,0.20
            S4,3.5x,0.2
            S5,3,0.2.1
            """);

        var (result, lines) = await PredictAsync(csv);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var expected = await harness.Service.InferAsync(new InferenceRequest(Skill, new Dictionary<string, double?> { ["questions_asked_per_week"] = 3, ["question_rate"] = 0.2 }));
        for (var line = 0; line < 3; line++)
        {
            Assert.AreEqual(expected.Score, lines[line]["score"]!.GetValue<double>(), $"line {line}");
        }

        Assert.AreEqual("'questions_asked_per_week' is not a number", lines[3]["error"]!["message"]!.GetValue<string>());
        Assert.AreEqual("'question_rate' is not a number", lines[4]["error"]!["message"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Predict_ValueOutsideItsRange_IsAnErrorNamingTheFeatureWithoutTheValue()
    {
        var csv = Write("student_id,questions_asked_per_week,question_rate\nS1,3,987654\nS2,3,0.1\n");

        var (_, lines) = await PredictAsync(csv);

        Assert.IsNotNull(lines[0]["error"]!["features"]!["question_rate"]);
        Assert.DoesNotContain("987654", lines[0].ToJsonString());
        Assert.IsNotNull(lines[1]["score"]);
    }

    [TestMethod]
    [DataRow("Auto", "compiled-trees")]
    [DataRow("Reference", "mlnet")]
    public async Task Predict_ManyChunksOfRows_ScoresEveryRowLikeTheService(string engine, string engineName)
    {
        var schema = SampleStore.Catalog[Skill].Schema;
        var rows = SampleRows.Requests(schema, 2_000);
        var names = schema.Features.Select(f => f.Name).ToArray();
        var text = new System.Text.StringBuilder(string.Join(',', names)).Append('\n');
        foreach (var row in rows)
        {
            text.Append(string.Join(',', names.Select(n => row.TryGetValue(n, out var v) && v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : ""))).Append('\n');
        }

        var (result, lines) = await PredictAsync(Write(text.ToString()), "--engine", engine);
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path);
        var expected = await harness.Service.InferBatchAsync([.. rows.Select(r => new InferenceRequest(Skill, r))]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains($"({engineName})", result.Error, "the engine that scored");
        Assert.HasCount(rows.Count, lines);
        var severalImputed = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.AreEqual(expected[i].Result!.Score, lines[i]["score"]!.GetValue<double>(), $"row {i}");
            var imputed = lines[i]["imputed_features"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
            CollectionAssert.AreEqual(expected[i].Result!.ImputedFeatures.ToArray(), imputed, $"row {i}");
            severalImputed += imputed.Length > 1 ? 1 : 0;
        }

        Assert.IsGreaterThan(10, severalImputed, "rows with several imputed features, to check their list");
    }

    [TestMethod]
    public async Task Predict_ColumnThatIsNotAFeature_FailsNamingItAndWritesNothing()
    {
        var csv = Write("student_id,questions_asked_per_week,shoe_size\nS1,3,42\n");
        var output = Path.Combine(TempDirectory.Create("predict"), "out.jsonl");

        var result = await Skillinf.RunAsync("predict", "--store", SampleStore.Path, "--skill", Skill, "--input", csv, "--output", output);

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.Contains("shoe_size", result.Error);
        Assert.IsFalse(File.Exists(output) && new FileInfo(output).Length > 0);
    }

    [TestMethod]
    public async Task Predict_LongCsvWithAColumnThatIsNotAFeature_FailsNamingItWithoutWaitingForTheRest()
    {
        // More rows than are read ahead of the scoring: the reading side must stop when the check fails.
        var text = new System.Text.StringBuilder("student_id,questions_asked_per_week,shoe_size\n");
        for (var i = 0; i < 200_000; i++)
        {
            text.Append("S,3,42\n");
        }

        var output = Path.Combine(TempDirectory.Create("predict"), "out.jsonl");
        var run = Skillinf.RunAsync("predict", "--store", SampleStore.Path, "--skill", Skill, "--input", Write(text.ToString()), "--output", output);

        var result = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.AreNotEqual(0, result.ExitCode);
        Assert.Contains("shoe_size", result.Error);
        Assert.IsFalse(File.Exists(output) && new FileInfo(output).Length > 0);
    }

    [TestMethod]
    public async Task Predict_OutputDeviceFullMidway_FailsWithTheWriteErrorWithoutHanging()
    {
        // Enough rows that reading, scoring and writing are all under way when a write fails: /dev/full accepts the
        // open and refuses every write (ENOSPC), a disk filling up midway. Each stage must stop, and the error the
        // user sees is the write's, not a cancellation.
        var text = new System.Text.StringBuilder("student_id,questions_asked_per_week,question_rate\n");
        for (var i = 0; i < 200_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"S{i},{i % 9},0.{i % 7}\n");
        }

        var run = Skillinf.RunAsync("predict", "--store", SampleStore.Path, "--skill", Skill, "--input", Write(text.ToString()), "--output", "/dev/full");

        var result = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("No space left on device", result.Error);
        Assert.DoesNotContain("canceled", result.Error);
    }

    [TestMethod]
    public async Task Predict_SkillNotDeployed_FailsNamingItAndWritesNothing()
    {
        var output = Path.Combine(TempDirectory.Create("predict"), "out.jsonl");

        var result = await Skillinf.RunAsync("predict", "--store", SampleStore.Path, "--skill", "juggling", "--input", Write("student_id,x\nS1,1\n"), "--output", output);

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.Contains("'juggling' is not deployed", result.Error);
        Assert.IsFalse(File.Exists(output));
    }

    private static string Write(string csv)
    {
        var path = Path.Combine(TempDirectory.Create("predict"), "rows.csv");
        File.WriteAllText(path, csv.ReplaceLineEndings("\n"));
        return path;
    }

    private static async Task<(CliResult Result, JsonNode[] Lines)> PredictAsync(string csv, params string[] options)
    {
        var output = Path.Combine(TempDirectory.Create("predict"), "scores.jsonl");
        var result = await Skillinf.RunAsync(["predict", "--store", SampleStore.Path, "--skill", Skill, "--input", csv, "--output", output, .. options]);
        var lines = File.Exists(output) ? File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToArray() : [];
        return (result, lines);
    }
}
