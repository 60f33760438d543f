using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SkillInference.Batch;
using SkillInference.Benchmarks.Suite;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// The batch worker end to end on a real PostgreSQL: N synthetic students × 7 skills, a full run with the in-process
/// dispatcher, then an incremental run after 1% of the students changed. A 30-second single-shot measurement is not what
/// BenchmarkDotNet is for, so this is a program mode; it prints a Markdown section for RESULTS.md and writes
/// results/batch-e2e.json. With <c>--xgb</c> (issue 10) the store deploys XGB-300x6 alone and the students are its
/// timing rows: a full run, the kernel alone on the same rows in the same shards (as many at a time), and the stored
/// scores checked against xgboost's own (results/batch-xgb.json).
/// </summary>
/// <remarks>
/// <c>SKILLINF_BENCH_POSTGRES='Host=127.0.0.1;Port=55432;Username=app;Password=app;Database=skills' dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e [--xgb] [--students 100000] [--shard-size 1000] [--parallel 2] [--warm 20000]</c>
/// (<c>--warm N</c>: first a run of N students on another schema, so that the measured runs find the code compiled,
/// as a long-running host's nightly run does; without it they include the JIT's work, as a host's first run does).
/// </remarks>
internal static class BatchEndToEnd
{
    public const string Flag = "--batch-e2e";

    public static async Task<int> RunAsync(string[] args)
    {
        var students = Argument(args, "--students", 100_000);
        var shardSize = Argument(args, "--shard-size", 1_000);
        var parallel = Argument(args, "--parallel", 2);
        if (PostgresBenchSchema.Server() is not { } server)
        {
            return 2;
        }

        // --warm N: a full and an incremental run of N students on another schema first, in this process, so that the
        // measured runs find the code compiled (tiered JIT), as a long-running host's nightly run does after its first.
        var warm = Argument(args, "--warm", 0);
        if (args.Contains("--xgb"))
        {
            if (warm > 0)
            {
                await using var warmUp = await PostgresBenchSchema.CreateAsync(server, SuiteModels.Current.Xgb, BenchWork.XgbStore, warm, o => o.ShardSize = shardSize);
                await WarmUpAsync(warmUp, incremental: false);
            }

            return await RunXgbAsync(server, students, shardSize, parallel);
        }

        if (warm > 0)
        {
            await using var warmUp = await PostgresBenchSchema.CreateAsync(server, warm, o => o.ShardSize = shardSize);
            await WarmUpAsync(warmUp, incremental: true);
        }

        await using var bench = await PostgresBenchSchema.CreateAsync(server, students, o =>
        {
            o.ShardSize = shardSize;
            o.MaxParallelShards = parallel;
        });
        var provider = bench.Provider;
        var writer = provider.GetRequiredService<IStudentDataWriter>();
        var runner = provider.GetRequiredService<BatchRunner>();
        var port = new NpgsqlConnectionStringBuilder(bench.Connection).Port;
        Progress("full run starting");
        var cpu = CpuTimes.Start(port);
        var wall = Stopwatch.StartNew();
        var full = await runner.RunAsync(BatchMode.Full);
        wall.Stop();
        var fullCpu = cpu.Stop();

        // 1% of the students change; the incremental run must find and rescore exactly them.
        var changed = students / 100;
        var rows = Enumerable.Range(0, changed).Select(i => SyntheticStudentData.ToStudentFeatures(bench.Generator, bench.Generator.Generate((long)i * 100), DateTimeOffset.UtcNow));
        await writer.UpsertStudentFeaturesAsync([.. rows.Select(r => r with
        {
            Behavioral = new Dictionary<string, double?>(r.Behavioral) { ["sessions_per_week"] = 1 },
        })]);
        Progress("incremental run starting");
        cpu = CpuTimes.Start(port);
        var incrementalWall = Stopwatch.StartNew();
        var incremental = await runner.RunAsync(BatchMode.Incremental);
        incrementalWall.Stop();
        var incrementalCpu = cpu.Stop();

        Print(students, shardSize, parallel, bench.Seeding, wall.Elapsed, full, fullCpu, changed, incrementalWall.Elapsed, incremental, incrementalCpu);
        var result = Describe(full, wall.Elapsed, shardSize, parallel, fullCpu);
        result["incremental_s"] = incrementalWall.Elapsed.TotalSeconds;
        result["incremental_cpu"] = incrementalCpu.ToJson();
        await WriteResultAsync("batch-e2e.json", result);
        return full.Status == RunStatus.Succeeded && full.Students == students ? 0 : 1;
    }

    /// <summary>XGB-300x6 alone through the worker: a full run, the kernel alone on the same shards, the stored scores checked.</summary>
    private static async Task<int> RunXgbAsync(string server, int students, int shardSize, int parallel)
    {
        var model = SuiteModels.Current.Xgb;
        await using var bench = await PostgresBenchSchema.CreateAsync(server, model, BenchWork.XgbStore, students, o =>
        {
            o.ShardSize = shardSize;
            o.MaxParallelShards = parallel;
        });
        var runner = bench.Provider.GetRequiredService<BatchRunner>();
        Progress("full run starting");
        var cpu = CpuTimes.Start(new NpgsqlConnectionStringBuilder(bench.Connection).Port);
        var wall = Stopwatch.StartNew();
        var full = await runner.RunAsync(BatchMode.Full);
        wall.Stop();
        var fullCpu = cpu.Stop();

        JsonObject kernel;
        using (var ours = SuiteModels.Ours(model.Bundle))
        {
            kernel = KernelTiming.Measure(ours, model.Rows, model.Features, students, shardSize, parallel, repeats: 5, model.Expected());
        }

        // The stored scores of the students whose rows xgboost scored when the model was made.
        var expected = model.Expected(students);
        var stored = new float[expected.Length];
        stored.AsSpan().Fill(float.NaN);
        await using (var connection = new NpgsqlConnection(bench.Connection))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT student_id, score FROM skill_assessments WHERE run_id = @run", connection);
            command.Parameters.AddWithValue("run", full.RunId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = int.Parse(reader.GetString(0).AsSpan(1), CultureInfo.InvariantCulture) - 1;
                if (row < stored.Length)
                {
                    stored[row] = (float)reader.GetDouble(1);
                }
            }
        }

        var result = Describe(full, wall.Elapsed, shardSize, parallel, fullCpu);
        result["model"] = model.Name;
        result["seeding_s"] = bench.Seeding.TotalSeconds;
        result["kernel"] = kernel;
        result["check"] = new JsonObject { ["rows"] = expected.Length, ["exactToXgboost"] = stored.Zip(expected).Count(p => p.First == p.Second) };
        await WriteResultAsync("batch-xgb.json", result);

        var c = CultureInfo.InvariantCulture;
        var inside = kernel["median_s"]!.GetValue<double>();
        Console.WriteLine(string.Create(c, $"""
            ## Batch inference of {model.Name} into PostgreSQL, beside the kernel alone — {DateTime.UtcNow:yyyy-MM-dd}

            | measure | value |
            |---|---|
            | students × skills | {students:N0} × 1 ({model.Name} deployed alone) = {full.Predictions:N0} predictions, {full.Inserted:N0} rows inserted |
            | full run, end to end | **{wall.Elapsed.TotalSeconds:0.00} s** ({full.Predictions / wall.Elapsed.TotalSeconds:N0} predictions/s); shards of {shardSize:N0}, {parallel} at a time |
            | time in shards (summed) | read {full.ReadTime.TotalSeconds:0.00} s, score {full.ScoreTime.TotalSeconds:0.00} s, write {full.WriteTime.TotalSeconds:0.00} s |
            | CPU during the run | {fullCpu} |
            | code | {CodeKind.Describe()} |
            | the kernel alone, same rows, same shards, {parallel} at a time | {inside:0.000} s; outside the kernel {wall.Elapsed.TotalSeconds - inside:0.00} s = **{(wall.Elapsed.TotalSeconds - inside) / inside:0.0}×** the time inside |
            | stored scores equal to xgboost's predict_proba | {result["check"]!["exactToXgboost"]} of {expected.Length:N0} |
            """));
        return full.Status == RunStatus.Succeeded && full.Students == students ? 0 : 1;
    }

    private static JsonObject Describe(InferenceRun run, TimeSpan wall, int shardSize, int parallel, CpuTimes.Used cpu) => new()
    {
        ["cpu"] = cpu.ToJson(),
        ["code"] = CodeKind.Composite ? "composite-r2r" : "jit",
        ["students"] = run.Students,
        ["predictions"] = run.Predictions,
        ["inserted"] = run.Inserted,
        ["shards"] = run.Shards,
        ["shardSize"] = shardSize,
        ["parallel"] = parallel,
        ["status"] = run.Status.ToString(),
        ["wall_s"] = wall.TotalSeconds,
        ["read_s"] = run.ReadTime.TotalSeconds,
        ["score_s"] = run.ScoreTime.TotalSeconds,
        ["write_s"] = run.WriteTime.TotalSeconds,
    };

    private static async Task WriteResultAsync(string name, JsonObject result)
    {
        Directory.CreateDirectory(BenchWork.Results);
        await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, name), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void Print(int students, int shardSize, int parallel, TimeSpan seeding, TimeSpan wall, InferenceRun full, CpuTimes.Used fullCpu, int changed, TimeSpan incrementalWall, InferenceRun incremental, CpuTimes.Used incrementalCpu)
    {
        var c = CultureInfo.InvariantCulture;
        var phases = full.ReadTime + full.ScoreTime + full.WriteTime;
        Console.WriteLine(string.Create(c, $"""
            ## Batch inference end to end (PostgreSQL) — {DateTime.UtcNow:yyyy-MM-dd}

            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; PostgreSQL on 127.0.0.1 (fsync off). Code: {CodeKind.Describe()}.
            Reproduce: `SKILLINF_BENCH_POSTGRES='Host=...;Database=...' dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e --students {students} --shard-size {shardSize} --parallel {parallel}` (eng/bench.sh runs it precompiled: `dotnet publish SkillInference.Benchmarks -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true`, then `SkillInference.Benchmarks --batch-e2e ...`)

            | measure | value |
            |---|---|
            | students × skills | {students:N0} × 7 = {full.Predictions:N0} predictions, {full.Inserted:N0} rows inserted |
            | full run, end to end (plan → last shard stored) | **{wall.TotalSeconds:0.00} s** (run record: {full.Duration?.TotalSeconds:0.00} s) |
            | throughput | **{students / wall.TotalSeconds:N0} students/s**, {full.Predictions / wall.TotalSeconds:N0} predictions/s |
            | shards | {full.Shards} of {shardSize:N0} students, {parallel} in parallel |
            | time in shards (summed over shards) | read {full.ReadTime.TotalSeconds:0.00} s ({full.ReadTime / phases:P0}), score {full.ScoreTime.TotalSeconds:0.00} s ({full.ScoreTime / phases:P0}), write {full.WriteTime.TotalSeconds:0.00} s ({full.WriteTime / phases:P0}) |
            | CPU during the full run | {fullCpu} |
            | incremental run after {changed:N0} students changed | {incrementalWall.TotalSeconds:0.00} s; {incremental.Students:N0} students rescored, {incremental.Inserted:N0} rows inserted; CPU {incrementalCpu} |
            | seeding (synthetic features + teacher ratings, binary COPY + upsert) | {seeding.TotalSeconds:0.00} s ({students / seeding.TotalSeconds:N0} students/s) |
            """));
    }

    private static async Task WarmUpAsync(PostgresBenchSchema warmUp, bool incremental)
    {
        Progress("warming up");
        var runner = warmUp.Provider.GetRequiredService<BatchRunner>();
        await runner.RunAsync(BatchMode.Full);
        if (incremental)
        {
            await runner.RunAsync(BatchMode.Incremental);
        }
    }

    /// <summary>A line on stderr when a measured phase starts (e.g. to attach a profiler to it).</summary>
    private static void Progress(string phase) => Console.Error.WriteLine($"[{Flag}] {phase} (pid {Environment.ProcessId})");

    internal static int Argument(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
