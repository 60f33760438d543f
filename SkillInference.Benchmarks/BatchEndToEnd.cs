using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// The batch worker end to end on a real PostgreSQL: N synthetic students × 7 skills, a full run with the in-process
/// dispatcher, then an incremental run after 1% of the students changed. A 30-second single-shot measurement is not what
/// BenchmarkDotNet is for, so this is a program mode; it prints a Markdown section for RESULTS.md.
/// </summary>
/// <remarks>
/// <c>SKILLINF_BENCH_POSTGRES='Host=127.0.0.1;Port=55432;Username=app;Password=app;Database=skills' dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e [--students 100000] [--shard-size 1000] [--parallel 2]</c>
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

        await using var bench = await PostgresBenchSchema.CreateAsync(server, students, o =>
        {
            o.ShardSize = shardSize;
            o.MaxParallelShards = parallel;
        });
        var provider = bench.Provider;
        var writer = provider.GetRequiredService<IStudentDataWriter>();
        var runner = provider.GetRequiredService<BatchRunner>();
        var wall = Stopwatch.StartNew();
        var full = await runner.RunAsync(BatchMode.Full);
        wall.Stop();

        // 1% of the students change; the incremental run must find and rescore exactly them.
        var changed = students / 100;
        var rows = Enumerable.Range(0, changed).Select(i => SyntheticStudentData.ToStudentFeatures(bench.Generator, bench.Generator.Generate((long)i * 100), DateTimeOffset.UtcNow));
        await writer.UpsertStudentFeaturesAsync([.. rows.Select(r => r with
        {
            Behavioral = new Dictionary<string, double?>(r.Behavioral) { ["sessions_per_week"] = 1 },
        })]);
        var incrementalWall = Stopwatch.StartNew();
        var incremental = await runner.RunAsync(BatchMode.Incremental);
        incrementalWall.Stop();

        Print(students, shardSize, parallel, bench.Seeding, wall.Elapsed, full, changed, incrementalWall.Elapsed, incremental);
        return full.Status == RunStatus.Succeeded && full.Students == students ? 0 : 1;
    }

    private static void Print(int students, int shardSize, int parallel, TimeSpan seeding, TimeSpan wall, InferenceRun full, int changed, TimeSpan incrementalWall, InferenceRun incremental)
    {
        var c = CultureInfo.InvariantCulture;
        var phases = full.ReadTime + full.ScoreTime + full.WriteTime;
        Console.WriteLine(string.Create(c, $"""
            ## Batch inference end to end (PostgreSQL) — {DateTime.UtcNow:yyyy-MM-dd}

            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; PostgreSQL on 127.0.0.1 (fsync off).
            Reproduce: `SKILLINF_BENCH_POSTGRES='Host=...;Database=...' dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e --students {students} --shard-size {shardSize} --parallel {parallel}`

            | measure | value |
            |---|---|
            | students × skills | {students:N0} × 7 = {full.Predictions:N0} predictions, {full.Inserted:N0} rows inserted |
            | full run, end to end (plan → last shard stored) | **{wall.TotalSeconds:0.00} s** (run record: {full.Duration?.TotalSeconds:0.00} s) |
            | throughput | **{students / wall.TotalSeconds:N0} students/s**, {full.Predictions / wall.TotalSeconds:N0} predictions/s |
            | shards | {full.Shards} of {shardSize:N0} students, {parallel} in parallel |
            | time in shards (summed over shards) | read {full.ReadTime.TotalSeconds:0.00} s ({full.ReadTime / phases:P0}), score {full.ScoreTime.TotalSeconds:0.00} s ({full.ScoreTime / phases:P0}), write {full.WriteTime.TotalSeconds:0.00} s ({full.WriteTime / phases:P0}) |
            | incremental run after {changed:N0} students changed | {incrementalWall.TotalSeconds:0.00} s; {incremental.Students:N0} students rescored, {incremental.Inserted:N0} rows inserted |
            | seeding (synthetic features + teacher ratings, binary COPY + upsert) | {seeding.TotalSeconds:0.00} s ({students / seeding.TotalSeconds:N0} students/s) |
            """));
    }

    internal static int Argument(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
