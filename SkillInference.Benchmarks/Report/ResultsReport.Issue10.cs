using System.Text;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Suite;

namespace SkillInference.Benchmarks.Report;

/// <summary>Issue 10's part of the report: its targets, and the bulk paths beside the kernel alone.</summary>
internal static partial class ResultsReport
{
    /// <summary>A regression is a single-row median this much above the previous full run's (the shared machine moves medians by 15–30 % between runs).</summary>
    private const double RegressionTolerance = 1.10;

    private static readonly string[] SingleRowTypes = ["FastTreeSingleRowBenchmarks", "XGBoostSingleRowBenchmarks", "XGBoostDeepSingleRowBenchmarks", "SampleSingleRowBenchmarks"];
    private static readonly string[] OursBatchMethods = ["OursXgb", "OursXgbDeep", "OursFt"];

    private static void Issue10Targets(StringBuilder s, SuiteResults r)
    {
        s.AppendLine("### Issue 10's targets, checked against this run");
        s.AppendLine();
        s.AppendLine("| # | target | measured | status |");
        s.AppendLine("|---|---|---|---|");
        void Row(string n, string target, string? measured, bool? met, double share = 0) =>
            s.AppendLine(C, $"| {n} | {target} | {measured ?? "not measured in this run"} | {(measured is null || met is null ? "—" : Status(met.Value, share))} |");

        var seven = r.Bdn("StudentBenchmarks", "AllSkills");
        var kernels = r.Bdn("StudentBenchmarks", "SevenKernels");
        var sevenBefore = PreviousRun.Nanoseconds(r.Previous.Value(PreviousRun.StudentTable, seven?.Title ?? ""));
        var checkedOff = r.StudentChecks?["cacheOffChecked"]?.GetValue<bool>() == true;
        Row("1", "One student, seven skills, computed (cache off) through the service: < 10 µs median",
            seven is null ? null : $"{Time(seven.MedianNs)} (`InferAllSkillsAsync`{(checkedOff ? ", cache off checked: every result computed, on the seven sample skills" : "")}){(sevenBefore is { } b ? $"; previous run {Time(b)}" : "")}{(kernels is null ? "" : $"; the seven kernels alone on the same students: {Time(kernels.MedianNs)}, so {Time(seven.MedianNs - kernels.MedianNs)} outside them")}",
            seven?.MedianNs < 10_000, 10_000 / (seven?.MedianNs ?? 1));

        foreach (var path in BulkPathShares(r))
        {
            Row(path.Number, $"Bulk path {path.Name} on XGB-300x6: time outside the kernel ≤ time inside", path.Measured, path.Ratio <= 1, 1 / path.Ratio);
        }

        if (r.Predict is { } p)
        {
            var ours = p["cli"]!["median_s"]!.GetValue<double>();
            var python = p["python"]!["median_s"]!.GetValue<double>();
            Row("3", $"`skillinf predict` on {p["rows"]!.GetValue<int>():N0} rows of XGB-300x6 (CSV → JSON Lines): ≥ 3× faster than pandas `read_csv` → xgboost `predict_proba` → `to_csv`, whole processes",
                string.Create(C, $"{python / ours:0.0}× ({ours:0.00} s vs {python:0.00} s, medians of {p["repeats"]} runs each, skillinf self-contained composite ReadyToRun{(p["cliFrameworkDependent"] is JsonObject f ? string.Create(C, $"; framework-dependent ReadyToRun {python / f["median_s"]!.GetValue<double>():0.0}×") : "")}; outputs checked equal: {Int(p["check"]!["sameScore"]):N0} of {Int(p["check"]!["cliRows"]):N0} scores)"),
                python / ours >= 3, python / ours / 3);
        }
        else
        {
            Row("3", "`skillinf predict` on 200,000 rows of XGB-300x6: ≥ 3× faster than Python (pandas + xgboost)", null, null);
        }

        var batch = r.Http?["batch"];
        var items = batch?["items_per_s"]?.GetValue<double>() ?? 0;
        Row("4", "`/infer/batch` with 1,000 items per request: ≥ 400k items/s at saturation (wrk on the same machine)",
            batch is null ? null : string.Create(C, $"{items:N0} items/s (the seven sample skills; p99 {Us(batch["latency_us"]!["p99"])} per request of 1,000; {batch["connections"]} connections){(r.Http?["xgbBatch"] is { } x ? string.Create(C, $"; XGB-300x6: {x["items_per_s"]!.GetValue<double>():N0} items/s, p99 {Us(x["latency_us"]!["p99"])}") : "")}"),
            items >= 400_000, items / 400_000);

        var ids = r.Http?["studentIds"];
        if (ids?["cacheOffDistinct"] is { } off && ids["cacheOnDistinct"] is { } on && ids["cacheOnRepeated"] is { } hits)
        {
            var offRate = off["requests_per_s"]!.GetValue<double>();
            var onRate = on["requests_per_s"]!.GetValue<double>();
            var hitRate = hits["requests_per_s"]!.GetValue<double>();
            var p99 = on["latency_us"]!["p99"]!.GetValue<double>() / 1000;
            var distinctMet = p99 < 5 && onRate >= 0.9 * offRate;
            Row("5a", "`/infer` at saturation, a distinct student per request, default in-memory cache on: p99 < 5 ms and ≥ 90 % of the cache-off throughput",
                string.Create(C, $"p99 {p99:0.00} ms, {onRate:N0} requests/s = {onRate / offRate:P0} of cache off ({offRate:N0}/s, p99 {Us(off["latency_us"]!["p99"])}); {on["connections"]} connections"),
                distinctMet, Math.Min(5 / p99, onRate / (0.9 * offRate)));
            Row("5b", "The same with repeated students (cache hits): ≥ the cache-off throughput",
                string.Create(C, $"{hitRate:N0} requests/s = {hitRate / offRate:P0} of cache off (p99 {Us(hits["latency_us"]!["p99"])})"),
                hitRate >= offRate, hitRate / offRate);
        }
        else
        {
            Row("5", "`/infer` at saturation with student ids and the cache on/off", null, null);
        }

        if (r.Batch is { } nightly)
        {
            var students = nightly["students"]!.GetValue<int>();
            var wall = nightly["wall_s"]!.GetValue<double>();
            var full = students >= 100_000;
            Row("6", "Nightly batch of 100,000 students × 7 skills into PostgreSQL: < 5 s end to end",
                string.Create(C, $"{wall:0.00} s for {students:N0} students ({nightly["predictions"]!.GetValue<long>() / wall:N0} predictions/s); time in shards, summed: read {nightly["read_s"]!.GetValue<double>():0.00} s, score {nightly["score_s"]!.GetValue<double>():0.00} s, write {nightly["write_s"]!.GetValue<double>():0.00} s{Precompiled(nightly)}{(full ? "" : " — a short run: the target is at 100,000")}"),
                full ? wall < 5 : (bool?)null, 5 / wall);
        }
        else
        {
            Row("6", "Nightly batch of 100,000 students × 7 skills into PostgreSQL: < 5 s end to end", null, null);
        }

        var deepOurs = r.Bdn("XGBoostDeepSingleRowBenchmarks", "Ours");
        var deepOnnx = r.Bdn("XGBoostDeepSingleRowBenchmarks", "Onnx");
        var largest = BatchBenchmarks.Sizes.Where(n => Rate(r, "OursXgbDeep", n) is not null).DefaultIfEmpty(0).Max();
        var deepBatch = Rate(r, "OursXgbDeep", largest);
        var deepCheck = r.Verification?["xgbDeep"];
        var exact = deepCheck?["oursExactRows"]?.GetValue<int>() is { } e && e == deepCheck["rows"]?.GetValue<int>();
        var deepPython = r.PythonSingle("predict_proba", 1, deep: true)?["median_us"]?.GetValue<double>();
        Row("7", "A deep model in the engine suite: XGBoost 400 trees × depth 8 over 24 features, single row and batch, ours vs ONNX Runtime and Python, bit-exact to `predict_proba`",
            deepOurs is null || deepOnnx is null ? null : string.Create(C, $"single row {Time(deepOurs.MedianNs)} vs ONNX Runtime {Time(deepOnnx.MedianNs)} ({deepOnnx.MedianNs / deepOurs.MedianNs:0.0}×){(deepPython is { } us ? $" and Python `predict_proba` {us:N0} µs ({us * 1000 / deepOurs.MedianNs:N0}×)" : "")}; {largest:N0} rows: {deepBatch:N0} rows/s (ONNX Runtime {Rate(r, "OnnxXgbDeep", largest):N0}, Python {r.PythonBatch("predict_proba", 2, largest, deep: true)?["rows_per_s"]?.GetValue<double>():N0}); bit-identical to xgboost on {Int(deepCheck?["oursExactRows"]):N0} of {Int(deepCheck?["rows"]):N0} rows"),
            exact, exact ? 1 : 0);

        RegressionRow(r, Row);
        AllocationRow(r, Row);
        s.AppendLine();
    }

    /// <summary>Target 8: our single-row medians against the previous full run's.</summary>
    private static void RegressionRow(SuiteResults r, Action<string, string, string?, bool?, double> row)
    {
        var pairs = new List<(string Name, double Now, double Before)>();
        foreach (var (model, type) in new[] { ("FT-300", "FastTreeSingleRowBenchmarks"), ("XGB-300x6", "XGBoostSingleRowBenchmarks"), ("sample (`collaboration`)", "SampleSingleRowBenchmarks") })
        {
            if (r.Bdn(type, "Ours") is { } now && PreviousRun.Nanoseconds(r.Previous.Value(PreviousRun.SingleRowTable, $"{model} | **ours** (compiled engine)")) is { } before)
            {
                pairs.Add((model, now.MedianNs, before));
            }
        }

        var worst = pairs.Count == 0 ? 0 : pairs.Max(p => p.Now / p.Before);
        row("8a", $"No regression of single-row times (ours; here: each median within {RegressionTolerance - 1:P0} of the previous full run's)",
            pairs.Count == 0 ? null : string.Join("; ", pairs.Select(p => string.Create(C, $"{p.Name} {Time(p.Now)} vs {Time(p.Before)} ({p.Now / p.Before - 1:+0%;-0%;0%})"))) + $" — previous: {r.Previous.Label}",
            worst <= RegressionTolerance, RegressionTolerance / Math.Max(worst, 1e-9));
    }

    /// <summary>
    /// Target 8: what the kernel allocates per row (MemoryDiagnoser). Single rows: per call. Batches: one call per
    /// iteration, so the count also holds whatever the process's other threads allocated meanwhile; per row is the slope
    /// of the allocation against the batch size (smallest to largest batch), which a per-row allocation would make ≥ 1 B.
    /// </summary>
    private static void AllocationRow(SuiteResults r, Action<string, string, string?, bool?, double> row)
    {
        var single = SingleRowTypes.Select(t => r.Bdn(t, "Ours")).Where(x => x?.AllocatedBytes is not null).Select(x => x!).ToArray();
        if (single.Length == 0)
        {
            row("8b", "0 B allocated per row in the kernel (BenchmarkDotNet's MemoryDiagnoser)", null, null, 0);
            return;
        }

        var batches = OursBatchMethods.Select(method => BatchBenchmarks.Sizes
                .Select(n => (Rows: n, Bytes: r.Bdn("BatchBenchmarks", method, $"Rows={n}")?.AllocatedBytes))
                .Where(p => p.Bytes is not null).Select(p => (p.Rows, Bytes: p.Bytes!.Value)).ToArray())
            .Where(points => points.Length >= 2).ToArray();
        var slope = batches.Length == 0 ? 0 : batches.Max(p => (p[^1].Bytes - p[0].Bytes) / (p[^1].Rows - p[0].Rows));
        var all = batches.SelectMany(p => p).ToArray();
        var singleMax = single.Max(x => x.AllocatedBytes!.Value);
        var perBatch = all.Length == 0 ? "" : string.Create(C, $"; batches: {Bytes(all.Min(b => b.Bytes))}–{Bytes(all.Max(b => b.Bytes))} per call at every size from {all.Min(b => b.Rows):N0} to {all.Max(b => b.Rows):N0} rows (the parallel split's tasks, and other threads': one call per iteration), so at most {Math.Max(slope, 0):0.###} B per added row");
        row("8b", "0 B allocated per row in the kernel (BenchmarkDotNet's MemoryDiagnoser)",
            string.Create(C, $"single rows: {Bytes(singleMax)} per call on all {single.Length} models{perBatch}"),
            singleMax == 0 && slope < 1, double.NaN);
    }

    /// <summary>One bulk path on XGB-300x6: the whole path's time and the kernel's alone on the same rows.</summary>
    private sealed record BulkShare(string Number, string Name, string Rows, double Whole, double Inside, string Unit, string Measured)
    {
        public double Outside => Whole - Inside;

        public double Ratio => Outside / Inside;
    }

    private static List<BulkShare> BulkPathShares(SuiteResults r)
    {
        var shares = new List<BulkShare>();
        string Measured(double whole, double inside, string unit) =>
            string.Create(C, $"outside {(whole - inside) / inside:0.0}× inside ({whole - inside:0.000} {unit} outside, {inside:0.000} {unit} in the kernel, {whole:0.000} {unit} in all)");
        if (r.Predict is { } p)
        {
            var whole = p["cli"]!["median_s"]!.GetValue<double>();
            var inside = p["kernel"]!["median_s"]!.GetValue<double>();
            shares.Add(new("2a", "`skillinf predict` (CSV → JSON Lines)", $"{p["rows"]!.GetValue<int>():N0} rows", whole, inside, "s", Measured(whole, inside, "s") + " — the process, start-up included"));
        }

        if (r.Http?["xgbBatch"] is { } h && h["kernel"]?["parallel2"] is { } k)
        {
            // Per 1,000 items: wall time at saturation (two connections) against the kernel on two requests at a time.
            var whole = 1000 / h["items_per_s"]!.GetValue<double>() * 1000;
            var inside = 1000 / k["rows_per_s"]!.GetValue<double>() * 1000;
            shares.Add(new("2b", "`/infer/batch` over HTTP (1,000 items per request)", "per 1,000 items", whole, inside, "ms", Measured(whole, inside, "ms") + " per 1,000 items, wall time with wrk on the same cores"));
        }

        if (r.BatchXgb is { } b)
        {
            var whole = b["wall_s"]!.GetValue<double>();
            var inside = b["kernel"]!["median_s"]!.GetValue<double>();
            shares.Add(new("2c", "the batch worker (read → score → write into PostgreSQL)", $"{b["students"]!.GetValue<int>():N0} students", whole, inside, "s", Measured(whole, inside, "s") + Precompiled(b)));
        }

        return shares;
    }

    /// <summary>How a batch run's process was compiled, when it was precompiled (eng/bench.sh: as the host image is).</summary>
    private static string Precompiled(JsonNode run) =>
        run["code"]?.GetValue<string>() == "composite-r2r" ? "; the worker precompiled as the host image runs it (composite ReadyToRun)" : "";

    private static void BulkPaths(StringBuilder s, SuiteResults r)
    {
        var shares = BulkPathShares(r);
        if (shares.Count == 0)
        {
            return;
        }

        s.AppendLine("### 5. Bulk paths on XGB-300x6: time inside and outside the kernel (issue 10)");
        s.AppendLine();
        s.AppendLine("Each bulk path end to end, beside the kernel alone (`IScoringModel.PredictBatch` of the compiled model) on the same rows, in the chunks the path hands it and as many at a time, measured in the same run and under the same load (`skillinf predict`: two passes of the kernel before each of its runs; `/infer/batch`: 15 passes right before and 15 right after the host's run on the same bodies): `skillinf predict` scores blocks of 16,384 rows one after another (the kernel splits each across the cores) while it reads the next ones and, at first, while the model loads; `/infer/batch` gets requests of 1,000 items on two connections (the kernel: 1,000-row batches, two at a time); the worker scores shards of 1,000 students, two at a time. Outside = whole − kernel.");
        s.AppendLine();
        s.AppendLine("| path | rows | whole path | the kernel alone | outside the kernel | outside ÷ inside |");
        s.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var x in shares)
        {
            s.AppendLine(C, $"| {x.Name} | {x.Rows} | {x.Whole:0.000} {x.Unit} | {x.Inside:0.000} {x.Unit} | {x.Outside:0.000} {x.Unit} | **{x.Ratio:0.0}×** |");
        }

        s.AppendLine();
        var notes = new List<string>();
        if (r.Predict is { } p)
        {
            var startup = p["cliStartup"]!["median_s"]!.GetValue<double>();
            var cli = p["cli"]!;
            var kernel = p["kernel"]!;
            notes.Add(string.Create(C, $"`skillinf predict`: the process's CPU time {cli["cpu_s"]!.GetValue<double>():0.00} s against the kernel's {kernel["cpu_s"]!.GetValue<double>():0.00} s; its fixed cost (start, load the store and the model, score a one-row CSV) is {startup:0.00} s, so without it outside ÷ inside would be {(cli["median_s"]!.GetValue<double>() - startup - kernel["median_s"]!.GetValue<double>()) / kernel["median_s"]!.GetValue<double>():0.0}×."));
        }

        if (r.Http?["xgbBatch"] is { } h && h["kernel"]?["parallel1"] is { } one)
        {
            var hostCpu = h["host_cpu_cores"]!.GetValue<double>() / h["items_per_s"]!.GetValue<double>() * 1e6;
            var kernelCpu = one["median_s"]!.GetValue<double>() / one["rows"]!.GetValue<double>() * 1e6;
            notes.Add(string.Create(C, $"`/infer/batch` in the host's CPU time (which leaves out wrk's): {hostCpu:0.00} µs per item, of which the kernel {kernelCpu:0.00} µs (one request at a time): outside ÷ inside = {(hostCpu - kernelCpu) / kernelCpu:0.0}×."));
        }

        if (r.BatchXgb is { } b)
        {
            notes.Add(string.Create(C, $"The worker's run, summed over shards: read {b["read_s"]!.GetValue<double>():0.00} s, score {b["score_s"]!.GetValue<double>():0.00} s, write {b["write_s"]!.GetValue<double>():0.00} s; its stored scores equal xgboost's `predict_proba` on {Int(b["check"]!["exactToXgboost"]):N0} of {Int(b["check"]!["rows"]):N0} checked students."));
            if (b["cpu"]?["server_s"] is { } server && b["cpu"]?["client_s"] is { } client)
            {
                // PostgreSQL's own work (jsonb out, the insert) sets a floor under the wall time however fast the client gets.
                var cores = Environment.ProcessorCount;
                var floor = server.GetValue<double>() / cores;
                var kernel = b["kernel"]!["median_s"]!.GetValue<double>();
                notes.Add(string.Create(C, $"A floor under the worker's time: PostgreSQL's own CPU time for the run was {server.GetValue<double>():0.00} s (sending every student's features as jsonb text, storing the assessments); spread over all {cores} cores that is already {floor:0.000} s, {floor / kernel:0.0}× the kernel's time, before the client's {client.GetValue<double>():0.00} s. {(floor > 2 * kernel ? "With features stored as jsonb, \"outside ≤ inside\" (a whole path of at most twice the kernel's time) is out of reach on this machine whatever the client does." : "The database alone leaves room for the target.")}"));
            }
        }

        foreach (var note in notes)
        {
            s.AppendLine("- " + note);
        }

        s.AppendLine();
        if (r.Predict is { } pr)
        {
            PredictTable(s, pr);
        }
    }

    private static void PredictTable(StringBuilder s, JsonObject p)
    {
        var check = p["check"]!;
        s.AppendLine(C, $"`skillinf predict` against Python on the same CSV ({p["rows"]!.GetValue<int>():N0} rows: `student_id` and XGB-300x6's {p["features"]} features, {p["missingShare"]!.GetValue<double>():P1} of the cells empty, {p["csvBytes"]!.GetValue<long>() / 1048576.0:0.0} MiB), each a whole process timed from outside, taking turns, after one untimed run of each; skillinf published as a container image would ship it: self-contained, the runtime and the tool precompiled together (`dotnet publish -r linux-x64 --self-contained -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true`), and, in the last row, framework-dependent ReadyToRun on the shared runtime (as `dotnet tool install` would run it: the runtime JITs the generic code its own images do not hold, about 1,200 methods at start-up). Python: `tools/bench/predict_pandas.py` — pandas `read_csv`, xgboost `predict_proba(...)[:, 1]` with nthread = {Environment.ProcessorCount}, confidence and imputed features vectorized, `to_csv` with the CLI's columns (row, student_id, skill, score, confidence, model_version, imputed_features).");
        s.AppendLine();
        s.AppendLine("| job | median wall time | runs | CPU time (median) | fixed cost: the same on a one-row CSV |");
        s.AppendLine("|---|---:|---|---:|---:|");
        foreach (var (name, key, startup) in new[] { ("`skillinf predict` (CSV → JSON Lines)", "cli", "cliStartup"), ("Python: pandas + xgboost (CSV → CSV)", "python", "pythonStartup") })
        {
            var x = p[key]!;
            s.AppendLine(C, $"| {name} | **{x["median_s"]!.GetValue<double>():0.000} s** | {string.Join(", ", x["runs_s"]!.AsArray().Select(v => v!.GetValue<double>().ToString("0.00", C)))} s | {x["cpu_s"]!.GetValue<double>():0.00} s | {p[startup]!["median_s"]!.GetValue<double>():0.00} s |");
        }

        if (p["cliFrameworkDependent"] is JsonObject f)
        {
            s.AppendLine(C, $"| `skillinf predict`, framework-dependent ReadyToRun | {f["median_s"]!.GetValue<double>():0.000} s | {string.Join(", ", f["runs_s"]!.AsArray().Select(v => v!.GetValue<double>().ToString("0.00", C)))} s | {f["cpu_s"]!.GetValue<double>():0.00} s | {f["startup_s"]!.GetValue<double>():0.00} s |");
        }

        s.AppendLine();
        s.AppendLine(C, $"Both outputs were compared row by row: {Int(check["cliRows"]):N0} and {Int(check["pythonRows"]):N0} rows; the same row, student and imputed features on {Int(check["sameRowIdAndImputed"]):N0}; the same float32 score on {Int(check["sameScore"]):N0} (largest difference {check["maxScoreDiff"]!.GetValue<double>():G3}, of confidences {check["maxConfidenceDiff"]!.GetValue<double>():G3}); equal to xgboost's own `predict_proba` on {Int(check["cliExactToXgboost"]):N0} (ours) and {Int(check["pythonExactToXgboost"]):N0} (Python) of the {Int(check["expectedRows"]):N0} rows it scored when the model was made. Commands: `{p["cli"]!["command"]!.GetValue<string>().Replace(BenchWork.Root + "/", "artifacts/bench/work/", StringComparison.Ordinal)}`; `{p["python"]!["command"]}`.");
        s.AppendLine();
    }
}
