using System.Globalization;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Suite;

namespace SkillInference.Benchmarks.Report;

/// <summary>One BenchmarkDotNet result: times in nanoseconds per operation.</summary>
internal sealed record BdnResult(string Type, string Method, string Title, string Parameters, double MedianNs, double MeanNs, double ErrorNs, double? AllocatedBytes, int N);

/// <summary>One step of eng/bench.sh with the load average when it started and ended.</summary>
internal sealed record Phase(string Name, DateTimeOffset Start, DateTimeOffset End, string LoadStart, string LoadEnd);

/// <summary>Everything a run left in the work folder's results, read for the report.</summary>
internal sealed partial class SuiteResults
{
    private readonly Dictionary<(string Type, string Method, string Parameters), BdnResult> _bdn;

    private SuiteResults(Dictionary<(string, string, string), BdnResult> bdn, JsonObject? python, JsonObject? http, JsonObject? replay, JsonObject? verification, JsonObject? xgbInfo, IReadOnlyList<Phase> phases, string? batchEndToEnd)
    {
        _bdn = bdn;
        Python = python;
        Http = http;
        Replay = replay;
        Verification = verification;
        XgbInfo = xgbInfo;
        Phases = phases;
        BatchEndToEnd = batchEndToEnd;
    }

    public JsonObject? Python { get; }

    public JsonObject? Http { get; }

    public JsonObject? Replay { get; }

    public JsonObject? Verification { get; }

    public JsonObject? XgbInfo { get; }

    public IReadOnlyList<Phase> Phases { get; }

    public string? BatchEndToEnd { get; }

    /// <summary>Python xgboost on XGB-400x8 (tools/bench/time_xgboost.py).</summary>
    public JsonObject? PythonDeep { get; private init; }

    /// <summary><c>skillinf predict</c> against Python and the kernel alone (<c>--predict</c>).</summary>
    public JsonObject? Predict { get; private init; }

    /// <summary>The nightly batch of the sample skills into PostgreSQL (<c>--batch-e2e</c>).</summary>
    public JsonObject? Batch { get; private init; }

    /// <summary>Its Markdown, as printed.</summary>
    public string? BatchXgbMarkdown { get; private init; }

    /// <summary>tools/bench/host_cold_start.sh's table (eng/bench.sh writes it to host-cold-start.md).</summary>
    public string? HostColdStartMarkdown { get; private init; }

    /// <summary>XGB-300x6 through the batch worker beside the kernel alone (<c>--batch-e2e --xgb</c>).</summary>
    public JsonObject? BatchXgb { get; private init; }

    /// <summary>What the student benchmarks checked (the cache off really off, the seven skills).</summary>
    public JsonObject? StudentChecks { get; private init; }

    public JsonObject? XgbDeepInfo { get; private init; }

    /// <summary>The last full run, from RESULTS.md before this report replaces it.</summary>
    public PreviousRun Previous { get; private init; } = PreviousRun.None;

    /// <summary>The BenchmarkDotNet jobs that ran, as it prints them, e.g. <c>short(Toolchain=..., IterationCount=3, ...)</c>.</summary>
    public IReadOnlyList<string> BdnJobs { get; private init; } = [];

    public static SuiteResults Load(PreviousRun previous)
    {
        var results = BenchWork.Results;
        var bdn = new Dictionary<(string, string, string), BdnResult>();
        var jobs = new SortedSet<string>(StringComparer.Ordinal);
        var bdnDir = Path.Combine(results, "bdn", "results");
        if (Directory.Exists(bdnDir))
        {
            foreach (var file in Directory.EnumerateFiles(bdnDir, "*-report-full.json"))
            {
                var doc = JsonNode.Parse(File.ReadAllText(file))!;
                foreach (var b in doc["Benchmarks"]!.AsArray())
                {
                    var stats = b!["Statistics"];
                    if (stats is null)
                    {
                        continue;
                    }

                    var r = new BdnResult(
                        b["Type"]!.GetValue<string>(),
                        b["Method"]!.GetValue<string>(),
                        b["MethodTitle"]!.GetValue<string>().Trim('\''),
                        b["Parameters"]?.GetValue<string>() ?? "",
                        stats["Median"]!.GetValue<double>(),
                        stats["Mean"]!.GetValue<double>(),
                        stats["ConfidenceInterval"]?["Margin"]?.GetValue<double>() ?? 0,
                        b["Memory"]?["BytesAllocatedPerOperation"]?.GetValue<double>(),
                        stats["N"]!.GetValue<int>());
                    bdn[(r.Type, r.Method, r.Parameters)] = r;
                    if (b["DisplayInfo"]?.GetValue<string>() is { } info && JobPattern().Match(info) is { Success: true } match)
                    {
                        jobs.Add(match.Value);
                    }
                }
            }
        }

        return new SuiteResults(bdn, Json(Path.Combine(results, "python.json")), Json(Path.Combine(results, "http.json")), Json(Path.Combine(results, "replay.json")), Json(BenchWork.Verification), Json(Path.Combine(BenchWork.Xgb, "info.json")), ReadPhases(Path.Combine(results, "phases.tsv")), Text(Path.Combine(results, "batch-e2e.md")))
        {
            BdnJobs = [.. jobs],
            PythonDeep = Json(Path.Combine(results, "python-deep.json")),
            Predict = Json(Path.Combine(results, "predict.json")),
            Batch = Json(Path.Combine(results, "batch-e2e.json")),
            BatchXgb = Json(Path.Combine(results, "batch-xgb.json")),
            BatchXgbMarkdown = Text(Path.Combine(results, "batch-xgb.md")),
            HostColdStartMarkdown = Text(Path.Combine(results, "host-cold-start.md")),
            StudentChecks = Json(Path.Combine(results, "student-cache.json")),
            XgbDeepInfo = Json(BenchWork.Xgb400.Info),
            Previous = previous,
        };
    }

    public BdnResult? Bdn(string type, string method, string parameters = "") => _bdn.GetValueOrDefault((type, method, parameters));

    public int BdnCount => _bdn.Count;

    /// <summary>Python single-row timing (median µs per call) for an API and thread count, on XGB-300x6 or XGB-400x8.</summary>
    public JsonNode? PythonSingle(string api, int threads, bool deep = false) =>
        (deep ? PythonDeep : Python)?["single"]?.AsArray().FirstOrDefault(s => s!["api"]!.GetValue<string>() == api && s["nthread"]!.GetValue<int>() == threads);

    /// <summary>Python batch timing for an API, thread count and size, on XGB-300x6 or XGB-400x8.</summary>
    public JsonNode? PythonBatch(string api, int threads, int rows, bool deep = false) =>
        (deep ? PythonDeep : Python)?["batch"]?.AsArray().FirstOrDefault(s => s!["api"]!.GetValue<string>() == api && s["nthread"]!.GetValue<int>() == threads && s["rows"]!.GetValue<int>() == rows);

    private static JsonObject? Json(string path) => Text(path) is { } text ? JsonNode.Parse(text)?.AsObject() : null;

    private static string? Text(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static List<Phase> ReadPhases(string path)
    {
        var phases = new List<Phase>();
        if (!File.Exists(path))
        {
            return phases;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var f = line.Split('\t');
            if (f.Length >= 5)
            {
                phases.Add(new Phase(f[0], DateTimeOffset.Parse(f[1], CultureInfo.InvariantCulture), DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4]));
            }
        }

        return phases;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\w-]+\(Toolchain=[^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex JobPattern();
}
