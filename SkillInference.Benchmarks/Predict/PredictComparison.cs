using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Http;
using SkillInference.Benchmarks.Suite;
using SkillInference.Bundles;

namespace SkillInference.Benchmarks.Predict;

/// <summary>
/// <c>--predict --cli PATH [--cli-framework PATH] [--python PATH] [--rows N] [--repeats N]</c>: issue 10's file path, end to end.
/// <c>skillinf predict</c> (as eng/bench.sh publishes it: self-contained composite ReadyToRun, <c>skillinf predict --store ...
/// --input CSV --output JSONL</c>; and framework-dependent ReadyToRun, <c>dotnet skillinf.dll ...</c>, when given) and Python doing the same job (tools/bench/predict_pandas.py: pandas <c>read_csv</c> → xgboost
/// <c>predict_proba</c> → <c>to_csv</c> with the same columns) on the same CSV of XGB-300x6's features (200,000 rows,
/// student_id + 20 features, empty cells where a value is missing), each timed as a whole process, in turns, after one
/// untimed run of each; between them (two passes before each skillinf run), the kernel alone on the same rows in the CLI's blocks of 16,384.
/// Both outputs are checked against each other and against xgboost's own probabilities. Writes results/predict.json.
/// </summary>
internal static class PredictComparison
{
    public const string Flag = "--predict";

    /// <summary>The rows skillinf predict hands the service at once (PredictCommand's chunk).</summary>
    private const int CliChunk = 16_384;

    public static async Task<int> RunAsync(string[] args)
    {
        var cli = Tool.Of(Arguments.Value(args, "--cli") ?? Arguments.Value(args, "--cli-dll") ?? throw new ArgumentException("--cli PATH (skillinf as eng/bench.sh publishes it: the executable, or a skillinf.dll to run with dotnet) is required."));
        var framework = Arguments.Value(args, "--cli-framework") is { } f ? Tool.Of(f) : null;
        var python = Arguments.Value(args, "--python") ?? "/usr/bin/python3";
        var count = Arguments.Int(args, "--rows", 200_000);
        var repeats = Math.Max(3, Arguments.Int(args, "--repeats", BenchWork.Short ? 3 : 5));
        var model = SuiteModels.Current.Xgb;
        var bundle = model.Bundle;
        var dir = Path.Combine(BenchWork.Root, "predict");
        Directory.CreateDirectory(dir);
        var csv = EnsureCsv(dir, model, count);
        var tiny = EnsureCsv(dir, model, 1);
        var manifest = Path.Combine(model.Files.Bundle, ModelBundle.ManifestFileName);
        var modelFile = Path.Combine(model.Files.Bundle, bundle.Manifest.ModelFile);
        var script = Path.Combine(BenchmarkPaths.ToolsBench, "predict_pandas.py");
        var cliOut = Path.Combine(dir, "cli.jsonl");
        var pyOut = Path.Combine(dir, "python.csv");
        string[] Cli(string input, string output) => ["predict", "--store", BenchWork.XgbStore, "--skill", bundle.Skill, "--input", input, "--output", output];
        string[] Python(string input, string output) => ["-W", "ignore", script, "--model", modelFile, "--manifest", manifest, "--input", input, "--output", output, "--nthread", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)];

        // The kernel alone is timed between the runs (two passes before each skillinf run), so that a change in the
        // machine's load falls on both sides of the ratio.
        Console.WriteLine($"predict: the kernel alone on {count:N0} rows in blocks of {CliChunk:N0}, two passes before each skillinf run");
        using var ours = SuiteModels.Ours(bundle);
        var kernel = new KernelTimer(ours, model.Rows, model.Features, count, CliChunk, parallel: 1);

        var timeout = TimeSpan.FromMinutes(5);
        Console.WriteLine("predict: one untimed run of each (file cache, first JIT of the tool)");
        await cli.RunAsync(Cli(csv, cliOut), timeout);
        await TimedProcess.RunAsync(python, Python(csv, pyOut), timeout);

        var cliRuns = new List<TimedProcess.Run>();
        var pyRuns = new List<TimedProcess.Run>();
        for (var r = 0; r < repeats; r++)
        {
            kernel.Time(2);
            cliRuns.Add(await cli.RunAsync(Cli(csv, cliOut), timeout));
            pyRuns.Add(await TimedProcess.RunAsync(python, Python(csv, pyOut), timeout));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predict: run {r + 1}: skillinf {cliRuns[^1].Seconds:0.000} s, Python {pyRuns[^1].Seconds:0.000} s"));
        }

        // The fixed cost of each: start, load the model, score one row.
        var cliStartup = new List<TimedProcess.Run>();
        var pyStartup = new List<TimedProcess.Run>();
        for (var r = 0; r < 3; r++)
        {
            cliStartup.Add(await cli.RunAsync(Cli(tiny, cliOut + ".tiny"), timeout));
            pyStartup.Add(await TimedProcess.RunAsync(python, Python(tiny, pyOut + ".tiny"), timeout));
        }

        // The same tool framework-dependent (the shared runtime JITs what its own ReadyToRun images do not hold).
        JsonObject? frameworkDependent = null;
        if (framework is not null)
        {
            var frameworkOut = Path.Combine(dir, "cli-framework.jsonl");
            await framework.RunAsync(Cli(csv, frameworkOut), timeout);
            var runs = new List<TimedProcess.Run>();
            var startup = new List<TimedProcess.Run>();
            for (var r = 0; r < 3; r++)
            {
                runs.Add(await framework.RunAsync(Cli(csv, frameworkOut), timeout));
                startup.Add(await framework.RunAsync(Cli(tiny, frameworkOut + ".tiny"), timeout));
            }

            if (!File.ReadAllBytes(frameworkOut).AsSpan().SequenceEqual(File.ReadAllBytes(cliOut)))
            {
                throw new InvalidOperationException("The framework-dependent skillinf wrote other output than the self-contained one on the same CSV.");
            }

            frameworkDependent = Describe(runs, framework.Describe(Cli("ROWS.csv", "out.jsonl")));
            frameworkDependent["startup_s"] = KernelTiming.Median(startup.Select(r => r.Seconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predict: framework-dependent skillinf {frameworkDependent["median_s"]} s (one-row CSV {frameworkDependent["startup_s"]} s)"));
        }

        var result = new JsonObject
        {
            ["model"] = model.Name,
            ["rows"] = count,
            ["features"] = model.Features,
            ["csvBytes"] = new FileInfo(csv).Length,
            ["missingShare"] = model.Rows.AsSpan(0, count * model.Features).ToArray().Count(float.IsNaN) / (double)(count * model.Features),
            ["repeats"] = repeats,
            ["cli"] = Describe(cliRuns, cli.Describe(Cli("ROWS.csv", "out.jsonl"))),
            ["cliFrameworkDependent"] = frameworkDependent,
            ["python"] = Describe(pyRuns, $"{python} tools/bench/predict_pandas.py --model model.json --manifest manifest.json --input ROWS.csv --output out.csv --nthread {Environment.ProcessorCount}"),
            ["cliStartup"] = Describe(cliStartup, "the same on a CSV of one row"),
            ["pythonStartup"] = Describe(pyStartup, "the same on a CSV of one row"),
            ["kernel"] = kernel.Result(model.Expected()),
            ["check"] = Check(cliOut, pyOut, model.Expected(), count),
        };
        Directory.CreateDirectory(BenchWork.Results);
        await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, "predict.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"predict: {result.ToJsonString()}");
        return 0;
    }

    /// <summary>The CSV of the first <paramref name="count"/> timing rows (written once): student_id, then the model's features; empty = missing.</summary>
    private static string EnsureCsv(string dir, XgbSuiteModel model, int count)
    {
        var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"{model.Name.ToLowerInvariant()}-{count}.csv"));
        if (File.Exists(path) && File.GetLastWriteTimeUtc(path) > File.GetLastWriteTimeUtc(model.Files.Rows))
        {
            return path;
        }

        var names = model.Bundle.Schema.Features.Select(f => f.Name).ToArray();
        var rows = model.Rows;
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("student_id,");
            writer.WriteLine(string.Join(',', names));
            Span<char> cell = stackalloc char[32];
            for (var r = 0; r < count; r++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"s{r + 1:D7}"));
                for (var f = 0; f < names.Length; f++)
                {
                    writer.Write(',');
                    var value = rows[(r * names.Length) + f];
                    if (!float.IsNaN(value) && value.TryFormat(cell, out var written, "R", CultureInfo.InvariantCulture))
                    {
                        writer.Write(cell[..written]);
                    }
                }

                writer.WriteLine();
            }
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static JsonObject Describe(List<TimedProcess.Run> runs, string command) => new()
    {
        ["command"] = command,
        ["runs_s"] = new JsonArray([.. runs.Select(r => (JsonNode)r.Seconds)]),
        ["median_s"] = KernelTiming.Median(runs.Select(r => r.Seconds)),
        ["min_s"] = runs.Min(r => r.Seconds),
        ["cpu_s"] = KernelTiming.Median(runs.Select(r => r.CpuSeconds)),
    };

    /// <summary>The two outputs row by row: the same rows, scores and confidences; scores against xgboost's own.</summary>
    private static JsonObject Check(string cliOut, string pyOut, float[] expected, int count)
    {
        var cli = new List<(long Row, string Id, double Score, double Confidence, int Imputed)>(count);
        foreach (var line in File.ReadLines(cliOut))
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            cli.Add((o.GetProperty("row").GetInt64(), o.GetProperty("student_id").GetString()!, o.GetProperty("score").GetDouble(), o.GetProperty("confidence").GetDouble(), o.GetProperty("imputed_features").GetArrayLength()));
        }

        var py = new List<(long Row, string Id, double Score, double Confidence, int Imputed)>(count);
        foreach (var line in File.ReadLines(pyOut).Skip(1))
        {
            // row,student_id,skill,score,confidence,model_version,imputed_features (no quoting: no field holds a comma)
            var f = line.Split(',');
            var imputed = f[6].Length == 0 ? 0 : f[6].Count(c => c == ';') + 1;
            py.Add((long.Parse(f[0], CultureInfo.InvariantCulture), f[1], double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture), imputed));
        }

        var n = Math.Min(cli.Count, py.Count);
        var sameRows = Enumerable.Range(0, n).Count(i => cli[i].Row == py[i].Row && cli[i].Id == py[i].Id && cli[i].Imputed == py[i].Imputed);
        var sameScores = Enumerable.Range(0, n).Count(i => (float)cli[i].Score == (float)py[i].Score);
        var checkedRows = Math.Min(n, expected.Length);
        return new JsonObject
        {
            ["cliRows"] = cli.Count,
            ["pythonRows"] = py.Count,
            ["sameRowIdAndImputed"] = sameRows,
            ["sameScore"] = sameScores,
            ["maxScoreDiff"] = n == 0 ? 0 : Enumerable.Range(0, n).Max(i => Math.Abs(cli[i].Score - py[i].Score)),
            ["maxConfidenceDiff"] = n == 0 ? 0 : Enumerable.Range(0, n).Max(i => Math.Abs(cli[i].Confidence - py[i].Confidence)),
            ["expectedRows"] = checkedRows,
            ["cliExactToXgboost"] = Enumerable.Range(0, checkedRows).Count(i => (float)cli[i].Score == expected[i]),
            ["pythonExactToXgboost"] = Enumerable.Range(0, checkedRows).Count(i => (float)py[i].Score == expected[i]),
        };
    }

    /// <summary>How skillinf is started: its executable (self-contained), or <c>dotnet skillinf.dll</c>.</summary>
    private sealed record Tool(string FileName, string[] Prefix)
    {
        public static Tool Of(string path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new ArgumentException($"skillinf was not found at {full}; eng/bench.sh publishes it.");
            }

            return full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? new Tool("dotnet", [full]) : new Tool(full, []);
        }

        public Task<TimedProcess.Run> RunAsync(string[] args, TimeSpan timeout) => TimedProcess.RunAsync(FileName, [.. Prefix, .. args], timeout);

        public string Describe(string[] args) =>
            (Prefix.Length > 0 ? "dotnet skillinf.dll " : "skillinf ") + string.Join(' ', args);
    }
}
