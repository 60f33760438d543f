using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Suite;

namespace SkillInference.Benchmarks.Report;

/// <summary>
/// <c>--report --command TEXT [--sdk VERSION] [--commit TEXT] [--out PATH]</c>: writes the suite's section of
/// SkillInference.Benchmarks/RESULTS.md from the results in the work folder — tables with the ratios of ours to each
/// baseline, issue 7's and issue 10's targets met or missed, the bulk paths beside the kernel, the cache replay, the
/// machine, the load, the command and the method. Single-row and student times are shown beside the last full run's.
/// The section sits between two markers; everything else in the file (the batch section of issue 4) is kept.
/// </summary>
internal static partial class ResultsReport
{
    public const string Flag = "--report";
    public const string Begin = "<!-- benchmark-suite:begin (written by eng/bench.sh from the results; edit SkillInference.Benchmarks/Report, not this block) -->";
    public const string End = "<!-- benchmark-suite:end -->";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private static readonly int[] ThreadCounts = [1, 2];
    private static readonly string[] PythonApis = ["predict_proba", "inplace_predict"];

    public static async Task<int> RunAsync(string[] args)
    {
        var command = Http.Arguments.Value(args, "--command") ?? "bash eng/bench.sh";
        var output = Http.Arguments.Value(args, "--out") ?? Path.Combine(BenchWork.RepositoryRoot(), "SkillInference.Benchmarks", "RESULTS.md");
        var existing = File.Exists(output) ? await File.ReadAllTextAsync(output) : "# Measured performance\n\nNumbers measured on the development machine; each section says how to reproduce it.\n";
        var results = SuiteResults.Load(PreviousRun.Parse(existing));
        if (results.BdnCount == 0)
        {
            await Console.Error.WriteLineAsync($"error: no BenchmarkDotNet results in {Path.Combine(BenchWork.Results, "bdn")}; run the suite first.");
            return 2;
        }

        var block = Write(results, command, Http.Arguments.Value(args, "--sdk"), Http.Arguments.Value(args, "--commit"));
        await File.WriteAllTextAsync(output, Merge(existing, block));
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>Replaces the suite's block, or puts it before the first section; the rest of the file is kept as it is.</summary>
    internal static string Merge(string existing, string block)
    {
        var begin = existing.IndexOf(Begin, StringComparison.Ordinal);
        var end = existing.IndexOf(End, StringComparison.Ordinal);
        if (begin >= 0 && end > begin)
        {
            return existing[..begin] + block + existing[(end + End.Length)..];
        }

        var firstSection = existing.IndexOf("\n## ", StringComparison.Ordinal);
        return firstSection < 0
            ? existing.TrimEnd() + "\n\n" + block + "\n"
            : existing[..(firstSection + 1)] + block + "\n\n" + existing[(firstSection + 1)..];
    }

    private static string Write(SuiteResults r, string command, string? sdk, string? commit)
    {
        var quick = command.Contains("--short", StringComparison.Ordinal);
        var date = r.Phases.Count > 0 ? r.Phases[0].Start : DateTimeOffset.UtcNow;
        var s = new StringBuilder();
        s.AppendLine(Begin);
        s.AppendLine(C, $"## Inference benchmark suite (issues 7 and 10) and result cache replay (issue 5) — {date:yyyy-MM-dd}");
        s.AppendLine();
        if (quick)
        {
            s.AppendLine("**A short run** (`--short`: BenchmarkDotNet's short job, batches up to 100,000 rows, 5-second load runs, a smaller replay, 10,000 students into PostgreSQL): a check that the suite works, with wide error bars — run `bash eng/bench.sh` for numbers to quote.");
            s.AppendLine();
        }

        s.AppendLine(C, $"Reproduce: `{command}` (builds Release, prepares the models, runs everything below and rewrites this block; about {(quick ? "15" : "55")} minutes). Raw results: `artifacts/bench/work/results/` (BenchmarkDotNet markdown and JSON, `python.json`, `python-deep.json`, `predict.json`, `http.json`, `replay.json`, `batch-e2e.json`, `batch-xgb.json`, `host-cold-start.md`).");
        s.AppendLine();
        Machine(s, r, sdk, commit);
        Issue10Targets(s, r);
        Targets(s, r, quick);
        Models(s, r);
        SingleRow(s, r);
        Student(s, r);
        Batches(s, r);
        HttpSection(s, r);
        BulkPaths(s, r);
        Replay(s, r);
        Method(s, r);
        if (r.BatchEndToEnd is { } e2e)
        {
            s.AppendLine("### Batch inference end to end into PostgreSQL, re-run in this suite");
            s.AppendLine();
            // Its own heading is replaced by the one above; the rest is BatchEndToEnd's markdown as printed.
            s.AppendLine(string.Join('\n', e2e.Trim().Split('\n').SkipWhile(l => l.StartsWith("## ", StringComparison.Ordinal))).Trim());
            s.AppendLine();
            s.AppendLine("The first measurement of issue 4, with the breakdown of a shard's CPU time, is kept below.");
            s.AppendLine();
        }

        if (r.BatchXgbMarkdown is { } xgb)
        {
            s.AppendLine("### XGB-300x6 through the batch worker into PostgreSQL, beside the kernel alone");
            s.AppendLine();
            s.AppendLine(string.Join('\n', xgb.Trim().Split('\n').SkipWhile(l => l.StartsWith("## ", StringComparison.Ordinal))).Trim());
            s.AppendLine();
        }

        if (r.HostColdStartMarkdown is { } coldStart)
        {
            s.AppendLine("### Host cold start: the container image's build against the framework-dependent one");
            s.AppendLine();
            s.AppendLine("A new instance as Cloud Run starts one, on the same store: from process start to `/health/ready` answering 200 (every deployed model loaded), then one `/infer/batch` of 1,000 items over the seven sample skills, twice; medians, the two builds taking turns (`tools/bench/host_cold_start.sh`). The image's app is published by `deploy/publish-host.sh`: self-contained, the runtime, ASP.NET Core, ML.NET and the host compiled ahead of time together (composite ReadyToRun), so little is left for the JIT when the first requests come.");
            s.AppendLine();
            s.AppendLine(coldStart.Trim());
            s.AppendLine();
        }

        s.Append(End);
        return s.ToString();
    }

    private static void Machine(StringBuilder s, SuiteResults r, string? sdk, string? commit)
    {
        var cpu = ReadLine("/proc/cpuinfo", "model name") ?? "unknown CPU";
        var mem = ReadLine("/proc/meminfo", "MemTotal") is { } m && long.TryParse(m.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out var kb) ? $"{kb / 1024.0 / 1024:0.#} GiB RAM" : "RAM unknown";
        var os = ReadLine("/etc/os-release", "PRETTY_NAME")?.Trim('"') ?? System.Runtime.InteropServices.RuntimeInformation.OSDescription;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        var py = r.Python;
        s.AppendLine(C, $"- **Machine:** {cpu}, {Environment.ProcessorCount} cores, {mem}; {os} (Linux {kernel}); {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}{(sdk is null ? "" : $", SDK {sdk}")}; Release build.");
        s.AppendLine(C, $"- **Packages:** ML.NET {Version(typeof(Microsoft.ML.MLContext))}, Microsoft.ML.OnnxConverter {Version(typeof(Microsoft.ML.OnnxExportExtensions))}, ONNX Runtime {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()}, BenchmarkDotNet {Version(typeof(BenchmarkDotNet.Running.BenchmarkRunner))}; Python {py?["python"]}, xgboost {py?["xgboost"]}, numpy {py?["numpy"]} (Debian's `/usr/bin/python3`); {r.Http?["wrk"]}; Redis {r.Replay?["parameters"]?["redis"]}.");
        if (commit is not null)
        {
            s.AppendLine(C, $"- **Code:** commit {commit}.");
        }

        if (r.Phases.Count > 0)
        {
            s.AppendLine(C, $"- **When and load:** {r.Phases[0].Start:yyyy-MM-dd HH:mm} to {r.Phases[^1].End:HH:mm} UTC. The machine is shared (another session builds and tests on it), so the load average (1, 5, 15 min; 2.0 = both cores busy) is noted per step:");
            s.AppendLine();
            s.AppendLine("  | step | duration | load average at start | at end |");
            s.AppendLine("  |---|---:|---|---|");
            foreach (var p in r.Phases)
            {
                s.AppendLine(C, $"  | {p.Name} | {(p.End - p.Start).TotalMinutes:0.0} min | {p.LoadStart} | {p.LoadEnd} |");
            }
        }

        s.AppendLine();
    }

    private static void Targets(StringBuilder s, SuiteResults r, bool quick)
    {
        s.AppendLine("### Issue 7's targets, checked against this run");
        s.AppendLine();
        s.AppendLine("| target | measured | status |");
        s.AppendLine("|---|---|---|");
        var xgbOurs = r.Bdn("XGBoostSingleRowBenchmarks", "Ours");
        var xgbOnnx = r.Bdn("XGBoostSingleRowBenchmarks", "Onnx");
        var ftOurs = r.Bdn("FastTreeSingleRowBenchmarks", "Ours");
        var ftMlNet = r.Bdn("FastTreeSingleRowBenchmarks", "MlNet");
        var ftOnnx = r.Bdn("FastTreeSingleRowBenchmarks", "Onnx");
        RatioTarget(s, "Single row, XGB-300x6: ≥ 5× faster than ONNX Runtime", xgbOnnx, xgbOurs, 5);
        RatioTarget(s, "Single row, FT-300: ≥ 5× faster than ML.NET PredictionEngine", ftMlNet, ftOurs, 5);
        RatioTarget(s, "Single row, FT-300: ≥ 5× faster than ONNX Runtime", ftOnnx, ftOurs, 5);
        foreach (var api in PythonApis)
        {
            var best = ThreadCounts.Select(t => r.PythonSingle(api, t)?["median_us"]?.GetValue<double>()).Where(v => v is not null).Min();
            if (best is { } us && xgbOurs is not null)
            {
                var ratio = us * 1000 / xgbOurs.MedianNs;
                s.AppendLine(C, $"| Single row, XGB-300x6: ≥ 100× faster than Python XGBoost `{api}` | {ratio:N0}× ({Time(xgbOurs.MedianNs)} vs {us:N0} µs, Python's faster thread setting) | {Status(ratio >= 100, ratio / 100)} |");
            }
        }

        if (r.Bdn("StudentBenchmarks", "AllSkills") is { } seven)
        {
            s.AppendLine(C, $"| One student, seven skills, in-process through the service: < 10 µs median | {Time(seven.MedianNs)} (`InferAllSkillsAsync`, cache off) | {Status(seven.MedianNs < 10_000, 10_000 / seven.MedianNs)} |");
        }

        var largest = BatchBenchmarks.Sizes.Max();
        if (r.Bdn("BatchBenchmarks", "OursXgb", $"Rows={largest}") is { } batch && r.PythonBatch("predict_proba", 2, largest) is { } py)
        {
            var ours = largest / (batch.MedianNs / 1e9);
            var python = py["rows_per_s"]!.GetValue<double>();
            var ratio = ours / python;
            s.AppendLine(C, $"| Batch of {(quick ? $"{largest:N0} rows (short run; the target is at 1M)" : "1M rows")}, XGB-300x6: ≥ 3× the rows/s of Python `predict_proba` on both cores | {ratio:0.0}× ({ours:N0} vs {python:N0} rows/s) | {Status(ratio >= 3, ratio / 3)} |");
        }

        if (r.Http?["saturation"]?.AsArray() is { Count: > 0 } runs)
        {
            var best = runs.Select(x => x!).OrderByDescending(x => x["requests_per_s"]!.GetValue<double>()).First();
            var rps = best["requests_per_s"]!.GetValue<double>();
            var p99 = best["latency_us"]!["p99"]!.GetValue<double>() / 1000;
            var qualifying = runs.Select(x => x!).Where(x => x["latency_us"]!["p99"]!.GetValue<double>() < 5000).Select(x => x["requests_per_s"]!.GetValue<double>()).DefaultIfEmpty(0).Max();
            s.AppendLine(C, $"| HTTP `/infer`: ≥ 10k requests/s with p99 < 5 ms, wrk on the same machine | best {rps:N0} requests/s (p99 {p99:0.0} ms, {best["connections"]} connections); best with p99 < 5 ms: {qualifying:N0}/s | {Status(qualifying >= 10_000, qualifying / 10_000)} |");
        }

        if (r.Replay?["summary"] is { } replay)
        {
            var hit = replay["hitRate"]!.GetValue<double>();
            s.AppendLine(C, $"| Issue 5: cache hit rate above 80% on a realistic day | {hit:P1} (the access pattern allows at most {replay["idealHitRate"]!.GetValue<double>():P1}) | {Status(hit > 0.8, hit / 0.8)} |");
        }

        s.AppendLine();
    }

    private static void RatioTarget(StringBuilder s, string what, BdnResult? baseline, BdnResult? ours, double target)
    {
        if (baseline is null || ours is null)
        {
            s.AppendLine(C, $"| {what} | not measured | — |");
            return;
        }

        var ratio = baseline.MedianNs / ours.MedianNs;
        s.AppendLine(C, $"| {what} | {ratio:0.0}× ({Time(ours.MedianNs)} vs {Time(baseline.MedianNs)}) | {Status(ratio >= target, ratio / target)} |");
    }

    private static string Status(bool met, double share) => met ? "**met**" : double.IsFinite(share) ? string.Create(C, $"**missed** ({share:P0} of the target)") : "**missed**";

    private static void Models(StringBuilder s, SuiteResults r)
    {
        var v = r.Verification;
        var info = r.XgbInfo;
        s.AppendLine("### Models and rows");
        s.AppendLine();
        XgbModel(s, "XGB-300x6", info, v?["xgb"], "");
        XgbModel(s, "XGB-400x8", r.XgbDeepInfo, v?["xgbDeep"], " The deep model of issue 10, made the same way with `--trees 400 --depth 8 --features 24`; its timing rows are its own (24 features, the same generator).");
        var shape = v?["trees"]?["ftShape"];
        s.AppendLine(C, $"- **FT-300** — ML.NET FastTree trained in .NET on the same {info?["train_rows"]?.GetValue<int>():N0} rows ({shape?["trees"]} trees, NumberOfLeaves 64: {shape?["meanLeaves"]?.GetValue<double>():0.#} leaves per tree; FastTree grows leaf-wise, so its trees are unbalanced — mean depth {shape?["meanDepth"]?.GetValue<double>():0.0}, deepest {shape?["maxDepth"]} — where XGBoost's are depth 6 at most; AUC {v?["trees"]?["ft"]?["auc"]?.GetValue<double>():0.000}), converted to ONNX by ML.NET's own `ConvertToOnnx`. Checked on {v?["ft"]?["rows"]?.GetValue<int>():N0} rows against ML.NET's PredictionEngine: ours bit-identical on {v?["ft"]?["oursExactRows"]?.GetValue<int>():N0}, ML.NET Transform identical, ONNX Runtime within {v?["ft"]?["onnxMaxAbsDiff"]?.GetValue<double>():G2}. So ML.NET, ONNX Runtime and our engine run the identical model.");
        s.AppendLine(C, $"- **Sample models** — the seven skills' FastTree bundles (`{v?["samples"]?["collaboration"]?["parameters"]}`; `collaboration`: {v?["samples"]?["collaboration"]?["features"]} features), as the service and the host serve them.");
        s.AppendLine(C, $"- **Rows** — {v?["timingRows"]?["distinct"]?.GetValue<int>():N0} distinct rows (another seed than training, {v?["timingRows"]?["missingShare"]?.GetValue<double>():P1} missing), written once to a binary file that both .NET and Python read; single-row benchmarks cycle through the first 65,536, batches take the first n. FT-300's rows are the same rows standard-scaled as the service prepares them (checked against `FeatureVectorBuilder`). Sample-model rows: 65,536 synthetic students prepared by the service's own feature preparation.");
        s.AppendLine();
    }

    private static void XgbModel(StringBuilder s, string name, JsonObject? info, JsonNode? check, string note)
    {
        var p = info?["params"];
        var trees = p?["n_estimators"]?.GetValue<int>();
        var depth = p?["max_depth"]?.GetValue<int>();
        s.AppendLine(C, $"- **{name}** — a real XGBoost model trained by `tools/bench/make_xgboost_model.py` (xgboost {info?["versions"]?["xgboost"]}, `binary:logistic`, `hist`, {trees} trees, max_depth {depth} — {info?["trees"]?["trees_at_max_depth"]} of {trees} trees reach depth {depth}, {info?["trees"]?["mean_leaves"]?.GetValue<double>():0.0} leaves on average — over {info?["features"]?.AsArray().Count} features; {info?["train_rows"]?.GetValue<int>():N0} synthetic training rows with {info?["missing_share_train"]?.GetValue<double>():P1} missing values; held-out AUC {info?["held_out_auc"]?.GetValue<double>():0.000}), exported with `tools/export_xgboost.py` and imported as an `xgboost-json` bundle (`XGBoostBundleBuilder`). Its ONNX copy is made by `tools/bench/xgboost_to_onnx.py` (`ai.onnx.ml` TreeEnsembleRegressor, BRANCH_LT, `missing_value_tracks_true` = `default_left`, base value = base margin, then Sigmoid). Checked on {check?["rows"]?.GetValue<int>():N0} rows against xgboost's own `predict_proba`: ours bit-identical on {check?["oursExactRows"]?.GetValue<int>():N0} rows (max difference {check?["oursMaxAbsDiff"]?.GetValue<double>():G3}), ONNX Runtime within {check?["onnxMaxAbsDiff"]?.GetValue<double>():G2} (float32 sums in another order).{note}");
    }

    private static void SingleRow(StringBuilder s, SuiteResults r)
    {
        var previous = r.Previous;
        s.AppendLine(PreviousRun.SingleRowTable);
        s.AppendLine();
        s.AppendLine("Median time per call (BenchmarkDotNet; each call scores the next distinct row), the previous full run's median, allocation per call, and how many times faster ours is. Python: median of per-call wall times over 2,000 distinct rows (`time.perf_counter_ns`), each call on a 1×20 (1×24) numpy array.");
        s.AppendLine();
        s.AppendLine("| model | engine | median | previous run | mean ± 99.9% CI | allocated | ours is faster by |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        void Row(string model, BdnResult? x, BdnResult? ours, string? name = null)
        {
            if (x is null)
            {
                return;
            }

            name ??= x.Title;
            var ratio = ours is null || ReferenceEquals(x, ours) ? "—" : string.Create(C, $"**{x.MedianNs / ours.MedianNs:0.0}×**");
            s.AppendLine(C, $"| {model} | {name} | {Time(x.MedianNs)} | {previous.Value(PreviousRun.SingleRowTable, $"{model} | {name}") ?? "—"} | {Time(x.MeanNs)} ± {Time(x.ErrorNs)} | {Bytes(x.AllocatedBytes)} | {ratio} |");
        }

        void Xgb(string model, string type, bool deep)
        {
            var ours = r.Bdn(type, "Ours");
            Row(model, ours, ours, "**ours** (compiled engine)");
            Row(model, r.Bdn(type, "Onnx"), ours, "ONNX Runtime (preallocated OrtValues, 1 thread)");
            foreach (var api in PythonApis)
            {
                foreach (var t in ThreadCounts)
                {
                    if (r.PythonSingle(api, t, deep) is { } py && ours is not null)
                    {
                        var us = py["median_us"]!.GetValue<double>();
                        var name = $"Python xgboost `{api}`, nthread={t}";
                        s.AppendLine(C, $"| {model} | {name} | {us:N1} µs | {previous.Value(PreviousRun.SingleRowTable, $"{model} | {name}") ?? "—"} | {py["mean_us"]!.GetValue<double>():N1} µs (p99 {py["p99_us"]!.GetValue<double>():N0} µs) | — | **{us * 1000 / ours.MedianNs:N0}×** |");
                    }
                }
            }
        }

        var ft = r.Bdn("FastTreeSingleRowBenchmarks", "Ours");
        Row("FT-300", ft, ft, "**ours** (compiled engine)");
        Row("FT-300", r.Bdn("FastTreeSingleRowBenchmarks", "MlNet"), ft, "ML.NET PredictionEngine, `Predict(x, ref y)`");
        Row("FT-300", r.Bdn("FastTreeSingleRowBenchmarks", "Onnx"), ft, "ONNX Runtime (preallocated OrtValues, 1 thread)");
        Xgb("XGB-300x6", "XGBoostSingleRowBenchmarks", deep: false);
        Xgb("XGB-400x8", "XGBoostDeepSingleRowBenchmarks", deep: true);
        var sample = r.Bdn("SampleSingleRowBenchmarks", "Ours");
        Row("sample (`collaboration`)", sample, sample, "**ours** (compiled engine)");
        Row("sample (`collaboration`)", r.Bdn("SampleSingleRowBenchmarks", "MlNet"), sample, "ML.NET PredictionEngine, `Predict(x, ref y)`");
        s.AppendLine();
        if (previous.Label is not null)
        {
            s.AppendLine(previous.Sentence);
            s.AppendLine();
        }
    }

    private static void Student(StringBuilder s, SuiteResults r)
    {
        s.AppendLine(PreviousRun.StudentTable + ", through `ISkillInferenceService`");
        s.AppendLine();
        s.AppendLine("Feature dictionaries in, seven results out (validation, imputation, scaling, the seven sample models, confidence, top features), 4,096 distinct students with ids; in-process, no HTTP. Before timing, the setup checks that the cache-off service answers 64 students twice and their seven items, each time computed (no result `cached`) and on exactly the catalog's seven skills.");
        s.AppendLine();
        s.AppendLine("| case | median | previous run | mean ± 99.9% CI | allocated |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var method in new[] { "AllSkills", "SevenKernels", "AllSkillsCacheOn", "SevenItems", "SevenItemsCached", "OneSkill", "OneSkillCached" })
        {
            if (r.Bdn("StudentBenchmarks", method) is { } x)
            {
                s.AppendLine(C, $"| {x.Title} | **{Time(x.MedianNs)}** | {r.Previous.Value(PreviousRun.StudentTable, x.Title) ?? "—"} | {Time(x.MeanNs)} ± {Time(x.ErrorNs)} | {Bytes(x.AllocatedBytes)} |");
            }
        }

        var usesCache = r.StudentChecks?["inferAllSkillsUsesCache"]?.GetValue<bool>() == true;
        s.AppendLine();
        s.AppendLine(usesCache
            ? "`InferAllSkillsAsync` served the warmed students from the cache in this build, so its \"cache on\" row is a hit."
            : "In this build `InferAllSkillsAsync` does not consult the result cache (its \"memory cache on\" row computes, like the first); `InferAsync` and `InferBatchAsync` do, so the seven (student, skill) items through `InferBatchAsync` show the cost of a cache hit for one student's seven skills.");
        s.AppendLine();
    }

    private static void Batches(StringBuilder s, SuiteResults r)
    {
        var sizes = BatchBenchmarks.Sizes.ToArray();
        s.AppendLine("### 3. Batches");
        s.AppendLine();
        s.AppendLine(C, $"Rows per second (batch size / median time of one batch). .NET: BenchmarkDotNet's monitoring strategy, one warm-up then the median of {(BenchWork.Short ? 3 : 5)} batches. Python: `tools/bench/time_xgboost.py` in the same run on the same model file and the same rows file, one warm-up then the median of {r.Python?["batch"]?[0]?["repeats"]} batches.");
        s.AppendLine();
        s.Append("| model | engine | threads |");
        foreach (var n in sizes)
        {
            s.Append(C, $" {n:N0} rows |");
        }

        s.AppendLine();
        s.Append("|---|---|---|");
        s.AppendLine(string.Concat(sizes.Select(_ => "---:|")));
        var cores = Environment.ProcessorCount;
        PythonBatchRows(s, r, sizes, "XGB-300x6", "OursXgb", "OnnxXgb", cores, deep: false);

        PythonBatchRows(s, r, sizes, "XGB-400x8", "OursXgbDeep", "OnnxXgbDeep", cores, deep: true);
        BatchRow(s, r, sizes, "FT-300", "**ours**", $"all ({cores})", "OursFt");
        BatchRow(s, r, sizes, "FT-300", "ML.NET `Transform` + cursor", "1", "MlNetTransformFt");
        BatchRow(s, r, sizes, "FT-300", "ONNX Runtime (one [n, features] tensor)", $"intra-op {cores}", "OnnxFt");
        s.AppendLine();

        s.AppendLine("How many times ours is faster:");
        s.AppendLine();
        s.Append("| model | ours vs |");
        foreach (var n in sizes)
        {
            s.Append(C, $" {n:N0} rows |");
        }

        s.AppendLine();
        s.Append("|---|---|");
        s.AppendLine(string.Concat(sizes.Select(_ => "---:|")));
        foreach (var (model, ours, onnx, deep) in new[] { ("XGB-300x6", "OursXgb", "OnnxXgb", false), ("XGB-400x8", "OursXgbDeep", "OnnxXgbDeep", true) })
        {
            RatioRow(s, sizes, model, "ONNX Runtime", n => Rate(r, ours, n), n => Rate(r, onnx, n));
            foreach (var api in PythonApis)
            {
                RatioRow(s, sizes, model, $"Python `{api}` (nthread=2)", n => Rate(r, ours, n), n => r.PythonBatch(api, 2, n, deep)?["rows_per_s"]?.GetValue<double>());
            }
        }

        RatioRow(s, sizes, "FT-300", "ML.NET Transform", n => Rate(r, "OursFt", n), n => Rate(r, "MlNetTransformFt", n));
        RatioRow(s, sizes, "FT-300", "ONNX Runtime", n => Rate(r, "OursFt", n), n => Rate(r, "OnnxFt", n));
        s.AppendLine();
    }

    /// <summary>An XGBoost model's batch rows: ours, ONNX Runtime, Python's two APIs on 2 and 1 threads.</summary>
    private static void PythonBatchRows(StringBuilder s, SuiteResults r, int[] sizes, string model, string ours, string onnx, int cores, bool deep)
    {
        BatchRow(s, r, sizes, model, "**ours**", $"all ({cores})", ours);
        BatchRow(s, r, sizes, model, "ONNX Runtime (one [n, features] tensor)", $"intra-op {cores}", onnx);
        foreach (var api in PythonApis)
        {
            foreach (var t in new[] { 2, 1 })
            {
                s.Append(C, $"| {model} | Python xgboost `{api}` | nthread={t} |");
                foreach (var n in sizes)
                {
                    s.Append(r.PythonBatch(api, t, n, deep) is { } py ? string.Create(C, $" {py["rows_per_s"]!.GetValue<double>():N0} |") : " — |");
                }

                s.AppendLine();
            }
        }
    }

    private static double? Rate(SuiteResults r, string method, int n) => r.Bdn("BatchBenchmarks", method, $"Rows={n}") is { } x ? n / (x.MedianNs / 1e9) : null;

    private static void BatchRow(StringBuilder s, SuiteResults r, int[] sizes, string model, string engine, string threads, string method)
    {
        s.Append(C, $"| {model} | {engine} | {threads} |");
        foreach (var n in sizes)
        {
            s.Append(Rate(r, method, n) is { } rate ? string.Create(C, $" {rate:N0} |") : " — |");
        }

        s.AppendLine();
    }

    private static void RatioRow(StringBuilder s, int[] sizes, string model, string baseline, Func<int, double?> ours, Func<int, double?> other)
    {
        s.Append(C, $"| {model} | {baseline} |");
        foreach (var n in sizes)
        {
            s.Append(ours(n) is { } a && other(n) is { } b && b > 0 ? string.Create(C, $" **{a / b:0.0}×** |") : " — |");
        }

        s.AppendLine();
    }

    private static void HttpSection(StringBuilder s, SuiteResults r)
    {
        var h = r.Http;
        if (h is null)
        {
            return;
        }

        s.AppendLine("### 4. The host over HTTP (loopback)");
        s.AppendLine();
        s.AppendLine(C, $"`SkillInference.Host` (Release, `dotnet SkillInference.Host.dll --urls http://127.0.0.1:PORT`, the seven sample models and XGB-300x6, Warning-level logging) and the load generator share the {Environment.ProcessorCount} cores. `/infer` bodies: {h["bodies"]?["infer"]} distinct students round-robin over the seven skills, without a student id (nothing cached: every request is scored). Host CPU = the host process's CPU time / wall time.");
        s.AppendLine();
        s.AppendLine("| run | requests/s | p50 | p90 | p99 | p99.9 | max | errors | host CPU (cores) |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        if (h["fixedRate"] is { } f)
        {
            var l = f["latencyMs"]!;
            var li = f["latencyFromIntendedMs"]!;
            s.AppendLine(C, $"| `/infer` at a fixed {f["targetRate"]!.GetValue<int>():N0} requests/s for {f["seconds"]} s (open loop; latency from the send) | {f["achievedRate"]!.GetValue<double>():N0} | {Ms(l["p50"])} | {Ms(l["p90"])} | **{Ms(l["p99"])}** | {Ms(l["p999"])} | {Ms(l["max"])} | {f["errors"]} | {f["host_cpu_cores"]!.GetValue<double>():0.00} |");
            s.AppendLine(C, $"| the same, latency from the intended send time (includes the generator's pacing lag, p50 {Ms(f["pacingLagMs"]!["p50"])}) | | {Ms(li["p50"])} | {Ms(li["p90"])} | {Ms(li["p99"])} | {Ms(li["p999"])} | {Ms(li["max"])} | | |");
        }

        foreach (var run in h["saturation"]?.AsArray() ?? [])
        {
            WrkRow(s, $"`/infer` at saturation: wrk, {run!["threads"]} threads, {run["connections"]} connections, {run["seconds"]} s", run, "requests_per_s");
        }

        if (h["studentIds"] is { } ids)
        {
            foreach (var (key, what) in new[] { ("cacheOffDistinct", "a distinct student id per request, cache off (`Cache:Kind=None`)"), ("cacheOnDistinct", "a distinct student id per request, default in-memory cache on (every result stored)"), ("cacheOnRepeated", "the same student id per body, cache on (hits once warmed)") })
            {
                if (ids[key] is { } run)
                {
                    WrkRow(s, $"`/infer` with {what}: wrk, {run["threads"]} threads, {run["connections"]} connections, {run["seconds"]} s", run, "requests_per_s");
                }
            }
        }

        var batch = h["batch"];
        if (batch is not null)
        {
            WrkRow(s, $"`/infer/batch` with 1,000 items of the seven skills: wrk, {batch["threads"]} thread, {batch["connections"]} connections, {batch["seconds"]} s", batch, "requests_per_s");
        }

        if (h["xgbBatch"] is { } xb)
        {
            WrkRow(s, $"`/infer/batch` with 1,000 XGB-300x6 items: wrk, {xb["threads"]} thread, {xb["connections"]} connections, {xb["seconds"]} s", xb, "requests_per_s");
        }

        s.AppendLine();
        if (batch is not null)
        {
            s.AppendLine(C, $"The batch endpoint scored **{batch["items_per_s"]!.GetValue<double>():N0} items/s** on the seven sample skills (requests/s × 1,000; bodies of {h["bodies"]?["batchBytesMean"]?.GetValue<double>() / 1024:N0} KiB, 16 distinct){(h["xgbBatch"] is { } x ? string.Create(C, $" and **{x["items_per_s"]!.GetValue<double>():N0} items/s** on XGB-300x6 ({h["bodies"]?["xgbBatchBytesMean"]?.GetValue<double>() / 1024:N0} KiB, 16 bodies of distinct timing rows; one response checked: {Int(x["check"]?["exactToXgboost"]):N0} of {Int(x["check"]?["items"]):N0} scores equal to xgboost's `predict_proba`)") : "")}. The student-id runs use `tools/bench/wrk_bodies.lua`'s `distinct` mode (a new id on every request, so every request is computed and, with the cache on, stored) and `repeat` mode (body i is always student i: after one pass every request is a hit); the host with the cache off is a second host process, started beside the first.");
            s.AppendLine();
        }

        if (h["saturation"]?.AsArray() is { Count: > 0 } sat)
        {
            var wrk = PortPattern().Replace(sat[0]!["command"]!.GetValue<string>().Replace(BenchWork.RepositoryRoot() + "/", "", StringComparison.Ordinal), "127.0.0.1:PORT");
            s.AppendLine(C, $"wrk command (saturation): `{wrk}` with `tools/bench/wrk_bodies.lua`, which POSTs the bodies of a pre-generated file in turn (each thread from its own offset) and prints its percentiles as JSON.");
            s.AppendLine();
        }
    }

    private static void WrkRow(StringBuilder s, string name, JsonNode run, string rateKey)
    {
        var l = run["latency_us"]!;
        var e = run["errors"]!;
        var errors = e["connect"]!.GetValue<int>() + e["read"]!.GetValue<int>() + e["write"]!.GetValue<int>() + e["status"]!.GetValue<int>() + e["timeout"]!.GetValue<int>();
        s.AppendLine(C, $"| {name} | **{run[rateKey]!.GetValue<double>():N0}** | {Us(l["p50"])} | {Us(l["p90"])} | **{Us(l["p99"])}** | {Us(l["p999"])} | {Us(l["max"])} | {errors} | {run["host_cpu_cores"]!.GetValue<double>():0.00} |");
    }

    private static void Replay(StringBuilder s, SuiteResults r)
    {
        var x = r.Replay;
        if (x is null)
        {
            return;
        }

        var p = x["parameters"]!;
        var sum = x["summary"]!;
        var layers = x["layers"]!;
        var phases = x["phases"]!;
        var checks = x["checks"]!;
        s.AppendLine("### Result cache replay through the host with Redis (issue 5)");
        s.AppendLine();
        s.AppendLine(C, $"A simulated school day replayed open-loop through **two host instances sharing one Redis** (Cache:Kind=Redis, a load balancer's random spread): {p["students"]!.GetValue<int>():N0} students whose popularity follows a Zipf law (exponent {p["zipfExponent"]}); {p["visits"]!.GetValue<int>():N0} dashboard visits at random times, each asking all seven skills with the student's id and refreshed 0+ times (geometric, mean 1) within 30 s–15 min; **{p["featureUpdates"]} students ({Http.ReplayWorkload.UpdateShare:P0}) get new features** at a random time (the client then sends the new features, and `POST /api/v1/students/invalidate` (the id in the body) is called as an ingestion service would); and at noon **`{p["deployedSkill"]}` {p["oldVersion"]} → {p["newVersion"]}** (retrained on other students, published before the day) is deployed through the registry — the hosts reload within their ReloadInterval of 1 s. {sum["requests"]!.GetValue<int>():N0} requests in {p["wallSeconds"]!.GetValue<double>():0} s of wall time (the day compressed {p["compression"]!.GetValue<double>():N0}×, about {p["rate"]!.GetValue<int>():N0} requests/s); TTLs scaled with it: Redis 24 h = {p["ttlSeconds"]} s, memory layer {p["memoryTtlSeconds"]} s (= {p["memoryTtlSimulatedMinutes"]!.GetValue<double>():0} simulated minutes, the default being 10).");
        s.AppendLine();
        s.AppendLine("| measure | value |");
        s.AppendLine("|---|---|");
        s.AppendLine(C, $"| hit rate, whole day | **{sum["hitRate"]!.GetValue<double>():P1}** ({Int(layers["memoryHits"]) + Int(layers["redisHits"]):N0} of {sum["ok"]!.GetValue<int>():N0}; the best any cache could do on this pattern, first request of every key a miss: {sum["idealHitRate"]!.GetValue<double>():P1}) |");
        s.AppendLine(C, $"| by layer | memory {layers["memoryHitRate"]!.GetValue<double>():P1}, Redis {layers["redisHitRate"]!.GetValue<double>():P1}, computed {Int(layers["computed"]) / (double)sum["ok"]!.GetValue<int>():P1} (from Redis's own HGET count: every memory miss asks Redis once{(layers["consistent"]!.GetValue<bool>() ? "" : " — **inconsistent counts in this run**")}) |");
        s.AppendLine(C, $"| before the deploy / after both hosts serve the new version | {Pct(phases["beforeDeploy"])} / {Pct(phases["afterDeploy"])} (after: `{p["deployedSkill"]}` {Pct(phases["afterDeployDeployedSkill"])} — its entries start empty —, the other skills {Pct(phases["afterDeployOtherSkills"])}) |");
        s.AppendLine(C, $"| latency of a hit (client-measured, through the host) | p50 **{Ms(sum["hitLatencyMs"]!["p50"])}**, p90 {Ms(sum["hitLatencyMs"]!["p90"])}, p99 **{Ms(sum["hitLatencyMs"]!["p99"])}** ({Int(sum["hitLatencyMs"]!["count"]):N0} responses) |");
        s.AppendLine(C, $"| latency of a computed result | p50 **{Ms(sum["computedLatencyMs"]!["p50"])}**, p90 {Ms(sum["computedLatencyMs"]!["p90"])}, p99 **{Ms(sum["computedLatencyMs"]!["p99"])}** ({Int(sum["computedLatencyMs"]!["count"]):N0} responses) |");
        var deploy = x["deploy"]!;
        s.AppendLine(C, $"| deploy | registry write {deploy["registryWriteMs"]!.GetValue<double>():0} ms; hosts seen serving {p["newVersion"]} after {string.Join(" and ", deploy["hostsServingNewAfterMs"]!.AsArray().Select(v => string.Create(C, $"{v!.GetValue<double>():N0} ms")))}; {deploy["transitionResponses"]} `{p["deployedSkill"]}` responses fell in between, where either version is right |");
        s.AppendLine(C, $"| invalidation calls | {x["invalidations"]!["calls"]} (p50 {Ms(x["invalidations"]!["latencyMs"]!["p50"])}) |");
        s.AppendLine(C, $"| errors | {sum["errors"]} |");
        s.AppendLine(C, $"| checks on every response | **{checks["violations"]} violations**: a response's `modelVersion` was always the version deployed for that skill at that time on that host (old before the deploy started, new once the host was seen serving it); none of {Int(checks["keys"]):N0} keys (student, skill, version, features) had two different scores; no key was served from the cache without having been computed in this run (no stale score after a feature update or a deploy) |");
        s.AppendLine();
    }

    private static void Method(StringBuilder s, SuiteResults r)
    {
        s.AppendLine("### Method");
        s.AppendLine();
        s.AppendLine(C, $"- **Distinct rows everywhere.** A benchmark that scores one row again and again lets the branch predictor learn its paths and understates a tree walk several times; every benchmark here moves to another row on each call (65,536 for single rows, 4,096 students through the service) and batches are distinct rows.");
        s.AppendLine(C, $"- **BenchmarkDotNet**, in-process (the Release build `eng/bench.sh` made): the {(BenchWork.Short ? "short job" : "default job (pilot, warm-up, 15–100 measured iterations)")} for single rows and the service; the monitoring strategy (one call per iteration) for batches. Jobs as BenchmarkDotNet names them: {string.Join("; ", r.BdnJobs.Select(j => $"`{j}`"))}. Medians are reported (the shared machine makes means noisier); the markdown tables in `results/bdn/` have means, errors and allocations.");
        s.AppendLine("- **Threads.** Single rows: one thread for every engine (ONNX Runtime `IntraOpNumThreads = 1`, as recommended for single-row latency). Batches: ours splits batches of 4,096 rows or more across the cores; ONNX Runtime gets intra-op threads = cores; ML.NET's `Transform` + cursor runs on one thread, as ML.NET does it; Python xgboost is timed with nthread=2 and nthread=1 (libgomp's default waiting policy).");
        s.AppendLine("- **Same model, checked.** Before timing, each benchmark class checks that its engines agree within 1e-5 on 4,096 rows (`--prepare` checks more rows against xgboost's and ML.NET's own outputs) and fails loudly otherwise.");
        s.AppendLine("- **Fixed rate** means open loop: request i is sent at start + i / rate whether or not earlier ones have returned (this program's generator, `Http/OpenLoop.cs`), so a slow server cannot lower the offered load; latency is measured from the send and, separately, from the intended send time. **Saturation** is wrk's closed loop with a few connections and distinct bodies. Both share the machine's cores with the host.");
        s.AppendLine("- **Bulk paths against the kernel** (issue 10): the kernel alone is `IScoringModel.PredictBatch` of the compiled model on the very rows the path scored, cut into the path's chunks and run as many at a time (`Suite/KernelTimer.cs`, one warm-up then the median of several passes, taken between the path's own runs so that both meet the same load), in the same run as the path; its scores are checked against xgboost's. **Whole processes** (`skillinf predict`, the Python job) are timed from outside: wall clock from start to exit, CPU time from the exited children's accounting (`/proc/self/stat`), the two taking turns so that a change of load falls on both.");
        s.AppendLine("- **Previous run**: the single-row and student tables show the medians of the last full run as RESULTS.md held them before this run (a short run in between carries them forward); a regression is a median more than 10 % above it.");
        s.AppendLine("- **Cache replay**: hit = the response's `cached` flag; the memory/Redis split comes from Redis's `INFO commandstats` (HGET calls during the day); the hosts' `/metrics` (`skillinference_cache_lookups_total`) counts the same per host.");
        s.AppendLine();
    }

    private static string Time(double ns) => ns switch
    {
        < 1_000 => string.Create(C, $"{ns:0} ns"),
        < 100_000 => string.Create(C, $"{ns / 1_000:0.00} µs"),
        < 1_000_000 => string.Create(C, $"{ns / 1_000:0} µs"),
        < 1_000_000_000 => string.Create(C, $"{ns / 1_000_000:0.00} ms"),
        _ => string.Create(C, $"{ns / 1_000_000_000:0.00} s"),
    };

    private static string Bytes(double? bytes) => bytes switch
    {
        null => "—",
        0 => "0 B",
        < 1024 => string.Create(C, $"{bytes:0} B"),
        < 1024 * 1024 => string.Create(C, $"{bytes / 1024:0.0} KiB"),
        _ => string.Create(C, $"{bytes / 1024 / 1024:0.0} MiB"),
    };

    private static string Ms(JsonNode? ms) => ms is null ? "—" : string.Create(C, $"{ms.GetValue<double>():0.00} ms");

    private static string Us(JsonNode? us) => us is null ? "—" : string.Create(C, $"{us.GetValue<double>() / 1000:0.00} ms");

    private static string Pct(JsonNode? rate) => rate is null ? "—" : string.Create(C, $"{rate["hitRate"]!.GetValue<double>():P1} of {rate["requests"]!.GetValue<int>():N0}");

    private static long Int(JsonNode? n) => n is null ? 0 : (long)n.GetValue<double>();

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    private static string? ReadLine(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var sep = line.IndexOfAny([':', '=']);
            if (sep > 0 && line[..sep].Trim() == key)
            {
                return line[(sep + 1)..].Trim();
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial System.Text.RegularExpressions.Regex PortPattern();
}
