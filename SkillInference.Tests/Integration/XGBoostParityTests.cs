using System.Globalization;
using System.Text.Json;
using SkillInference.Cli;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// Phase-0 models end to end: pickles trained by the real xgboost go through tools/export_xgboost.py and
/// <c>skillinf import xgboost</c>; the service then returns XGBoost's own predict_proba (bit for bit) and
/// pred_contribs (within 1e-5) on 3,000 raw rows per configuration, including NaN-heavy data, dart, early
/// stopping, no scaler, and rows placed exactly on split thresholds.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class XGBoostParityTests
{
    public static IEnumerable<object[]> Configurations => XGBoostFixtures.Configurations.Select(c => new object[] { c });

    [TestMethod]
    [DynamicData(nameof(Configurations))]
    public async Task ExportImportServe_Configuration_EqualsXGBoostProbabilitiesAndContributions(string configuration)
    {
        var (store, features, rows, expected) = await ImportAsync(configuration);
        await using var harness = await ServiceHarness.StartAsync(store);

        var requests = rows.Select(r => new InferenceRequest("parity", r, Explain: true)).ToArray();
        var outcomes = await harness.Service.InferBatchAsync(requests);

        var exact = 0;
        var maxContribution = 0.0;
        for (var i = 0; i < rows.Count; i++)
        {
            if (!outcomes[i].IsSuccess)
            {
                Assert.Fail($"row {i}: {outcomes[i].Error!.Message}");
            }

            var result = outcomes[i].Result!;
            if (result.Score == expected[i][0])
            {
                exact++;
            }

            Assert.AreEqual(expected[i][0], result.Score, 1e-6, $"row {i} probability");
            var explanation = result.Explanation!;
            for (var f = 0; f < features.Length; f++)
            {
                maxContribution = Math.Max(maxContribution, Math.Abs(expected[i][f + 1] - explanation.Contributions[features[f]]));
            }

            maxContribution = Math.Max(maxContribution, Math.Abs(expected[i][^1] - explanation.Bias));
        }

        Assert.AreEqual(rows.Count, exact, "every probability should equal predict_proba bit for bit");
        Assert.IsLessThan(1e-5, maxContribution, $"max |contribution - pred_contribs| = {maxContribution}");
    }

    [TestMethod]
    public async Task SingleInfer_ExactDepth6Model_EqualsBatchAndXGBoost()
    {
        var (store, _, rows, expected) = await ImportAsync("exact_depth6_300trees_base03");
        await using var harness = await ServiceHarness.StartAsync(store);

        for (var i = 0; i < 500; i++)
        {
            var result = await harness.Service.InferAsync(new InferenceRequest("parity", rows[i]));
            Assert.AreEqual(expected[i][0], result.Score, $"row {i}");
        }
    }

    [TestMethod]
    public async Task PredictCommand_ExplainOutput_EqualsXGBoost()
    {
        var fixtures = await XGBoostFixtures.EnsureAsync();
        var (store, features, _, expected) = await ImportAsync("exact_depth6_300trees_base03");
        var output = Path.Combine(TempDirectory.Create("predict"), "scores.jsonl");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await SkillinfCli.RunAsync(["predict", "--store", store, "--skill", "parity", "--input", Path.Combine(fixtures, "exact_depth6_300trees_base03", "rows.csv"), "--explain", "--output", output], stdout, stderr);

        Assert.AreEqual(0, code, stderr.ToString());
        var lines = await File.ReadAllLinesAsync(output);
        Assert.HasCount(expected.Count, lines);
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.AreEqual(i + 1, root.GetProperty("row").GetInt32());
            Assert.AreEqual(expected[i][0], root.GetProperty("score").GetDouble(), $"row {i}");
            var contributions = root.GetProperty("contributions");
            Assert.AreEqual(expected[i][^1], contributions.GetProperty("bias").GetDouble(), 1e-5);
            for (var f = 0; f < features.Length; f++)
            {
                Assert.AreEqual(expected[i][f + 1], contributions.GetProperty(features[f]).GetDouble(), 1e-5);
            }
        }

        Assert.Contains($"Scored {expected.Count:N0} of {expected.Count:N0} rows", stderr.ToString());
    }

    [TestMethod]
    public async Task ExportTool_SelfCheck_PassesEveryConfigurationAndRefusal()
    {
        var fixtures = await XGBoostFixtures.EnsureAsync();

        var (code, stdout, stderr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(5), "tools/tests/check_export.py", fixtures);

        Assert.AreEqual(0, code, stdout + stderr);
        Assert.Contains(" 0 failed", stdout);
    }

    /// <summary>Exports a configuration's pickles with the Python tool and imports the result with the CLI into a fresh store.</summary>
    private static async Task<(string Store, string[] Features, IReadOnlyList<Dictionary<string, double?>> Rows, IReadOnlyList<double[]> Expected)> ImportAsync(string configuration)
    {
        var fixtures = await XGBoostFixtures.EnsureAsync();
        var dir = Path.Combine(fixtures, configuration);
        using var args = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "export_args.json")));
        var work = TempDirectory.Create(configuration);
        var exported = Path.Combine(work, "export");
        var exportArgs = new List<string> { "tools/export_xgboost.py", "--model", Path.Combine(dir, args.RootElement.GetProperty("model").GetString()!), "--out", exported };
        if (args.RootElement.GetProperty("scaler").GetString() is { } scaler)
        {
            exportArgs.AddRange(["--scaler", Path.Combine(dir, scaler)]);
        }

        if (args.RootElement.GetProperty("feature_names").GetString() is { } names)
        {
            exportArgs.AddRange(["--feature-names", names]);
        }

        var (exportCode, exportOut, exportErr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(2), [.. exportArgs]);
        Assert.AreEqual(0, exportCode, exportOut + exportErr);

        var rowsCsv = (await File.ReadAllLinesAsync(Path.Combine(dir, "rows.csv"))).ToArray();
        var features = rowsCsv[0].Split(',');
        var store = Path.Combine(work, "store");
        var import = new List<string> { "import", "xgboost", "--model", Path.Combine(exported, "model.json"), "--metadata", Path.Combine(exported, "metadata.json"), "--skill", "parity", "--version", "1.0.0", "--store", store, "--deploy" };
        if (File.Exists(Path.Combine(exported, "scaler.json")))
        {
            import.AddRange(["--scaler", Path.Combine(exported, "scaler.json")]);
        }

        if (!args.RootElement.GetProperty("names_in_model").GetBoolean())
        {
            // The model has no feature names: a schema file gives them, in model order.
            var schema = Path.Combine(work, "schema.json");
            await File.WriteAllTextAsync(schema, JsonSerializer.Serialize(features.Select(f => new { name = f, group = "other", description = "fixture feature", missing = new { rule = "native" } })));
            import.AddRange(["--schema", schema]);
        }

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SkillinfCli.RunAsync([.. import], stdout, stderr);
        Assert.AreEqual(0, code, stderr.ToString());

        var rows = rowsCsv.Skip(1).Select(line => line.Split(',')
            .Select((cell, i) => (features[i], cell))
            .Where(p => p.cell.Length > 0)
            .ToDictionary(p => p.Item1, p => (double?)double.Parse(p.cell, CultureInfo.InvariantCulture))).ToArray();
        // Every expected value is a float32 written with 9 significant digits: parse it back to that float.
        var expected = (await File.ReadAllLinesAsync(Path.Combine(dir, "expected.csv"))).Skip(1)
            .Select(line => line.Split(',').Select(c => (double)float.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.HasCount(rows.Length, expected);
        return (store, features, rows, expected);
    }
}
