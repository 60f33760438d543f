using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;

namespace SkillInference.Benchmarks;

/// <summary>
/// The database half of a batch run on a real PostgreSQL, each phase alone and on one thread: reading every shard's
/// features (<see cref="IFeatureSource.ReadShardAsync"/>) and storing every shard's 7 assessments per student
/// (<see cref="IAssessmentStore.WriteShardAsync"/>), with no scoring in between. A program mode (single-shot timings of
/// seconds); it prints a Markdown table with this process's CPU time beside the wall time (on a shared machine the
/// wall time also holds the database server's work and other load).
/// </summary>
/// <remarks>
/// <c>SKILLINF_BENCH_POSTGRES='Host=127.0.0.1;Port=55432;Username=app;Password=app;Database=skills' dotnet run -c Release --project SkillInference.Benchmarks -- --batch-db-phases [--students 100000] [--shard-size 1000] [--repeat 3]</c>
/// </remarks>
internal static class BatchDatabasePhases
{
    public const string Flag = "--batch-db-phases";

    public static async Task<int> RunAsync(string[] args)
    {
        var students = BatchEndToEnd.Argument(args, "--students", 100_000);
        var shardSize = BatchEndToEnd.Argument(args, "--shard-size", 1_000);
        var repeat = BatchEndToEnd.Argument(args, "--repeat", 3);
        if (PostgresBenchSchema.Server() is not { } server)
        {
            return 2;
        }

        await using var bench = await PostgresBenchSchema.CreateAsync(server, students, o => o.ShardSize = shardSize);
        var source = bench.Provider.GetRequiredService<IFeatureSource>();
        var store = bench.Provider.GetRequiredService<IAssessmentStore>();
        var shards = await PlanAsync(source, Guid.CreateVersion7(), shardSize);

        // Read: every shard in turn, the best of a few passes (the first also warms the connection pool and the cache).
        var reads = new List<(TimeSpan Elapsed, TimeSpan Cpu, long Allocated, int Students)>();
        for (var pass = 0; pass < repeat; pass++)
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = ProcessCpu();
            var watch = Stopwatch.StartNew();
            var read = 0;
            foreach (var (shard, _) in shards)
            {
                read += await ReadShardAsync(source, shard);
            }

            reads.Add((watch.Elapsed, ProcessCpu() - cpu, GC.GetTotalAllocatedBytes(precise: true) - allocated, read));
        }

        // Write: a run of every shard with 7 assessments per student, built before timing; then the same again as a
        // second run (the nightly full run over unchanged features: every row is already there).
        var skills = bench.Catalog.Skills.Select(s => s.Id).ToArray();
        var first = await WriteRunAsync(store, shards, skills);
        var again = await WriteRunAsync(store, shards, skills);

        var c = CultureInfo.InvariantCulture;
        var best = reads.MinBy(r => r.Elapsed);
        Console.WriteLine(string.Create(c, $"""
            ## Batch database phases (PostgreSQL) — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC

            Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; PostgreSQL on 127.0.0.1 (fsync off); one thread, shards of {shardSize:N0}.
            Reproduce: `{PostgresBenchSchema.EnvironmentVariable}='Host=...;Database=...' dotnet run -c Release --project SkillInference.Benchmarks -- {Flag} --students {students} --shard-size {shardSize}`

            | phase | time | throughput | this process's CPU |
            |---|---|---|---|
            | read {students:N0} students ({shards.Count} shards; best of {repeat}: {string.Join(" / ", reads.Select(r => r.Elapsed.TotalSeconds.ToString("0.00", c)))} s) | **{best.Elapsed.TotalSeconds:0.00} s** | **{best.Students / best.Elapsed.TotalSeconds:N0} students/s**, {best.Allocated / (double)best.Students:N0} B allocated per student | {best.Cpu.TotalSeconds:0.00} s |
            | write {first.Rows:N0} assessments, new rows ({first.Inserted:N0} inserted) | **{first.Elapsed.TotalSeconds:0.00} s** | **{first.Rows / first.Elapsed.TotalSeconds:N0} assessments/s** | {first.Cpu.TotalSeconds:0.00} s |
            | write {again.Rows:N0} assessments again, as a new run (all present: {again.Inserted:N0} inserted) | {again.Elapsed.TotalSeconds:0.00} s | {again.Rows / again.Elapsed.TotalSeconds:N0} assessments/s | {again.Cpu.TotalSeconds:0.00} s |
            """));
        return best.Students == students && first.Inserted == first.Rows ? 0 : 1;
    }

    /// <summary>The shards of a full run, as the runner cuts them, with their students.</summary>
    private static async Task<List<(ShardTask Shard, string[] Students)>> PlanAsync(IFeatureSource source, Guid runId, int shardSize)
    {
        var ids = new List<string>();
        await foreach (var id in source.ListStudentIdsAsync(StudentSelection.All))
        {
            ids.Add(id);
        }

        var shards = new List<(ShardTask, string[])>();
        for (var start = 0; start < ids.Count; start += shardSize)
        {
            var end = Math.Min(start + shardSize, ids.Count);
            shards.Add((new ShardTask(runId, shards.Count, start == 0 ? null : ids[start - 1], ids[end - 1], StudentSelection.All), [.. ids[start..end]]));
        }

        return shards;
    }

    private static async Task<int> ReadShardAsync(IFeatureSource source, ShardTask shard) => (await source.ReadShardAsync(shard)).Count;

    /// <summary>Stores a run of every shard, 7 assessments per student (distinct, deterministic values), built before timing.</summary>
    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static async Task<(TimeSpan Elapsed, TimeSpan Cpu, long Rows, long Inserted)> WriteRunAsync(IAssessmentStore store, List<(ShardTask Shard, string[] Students)> shards, string[] skills)
    {
        var runId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        await store.TryStartRunAsync(
            new InferenceRun { RunId = runId, Mode = BatchMode.Full, Status = RunStatus.Running, StartedAt = now, Dispatcher = "bench", Shards = shards.Count, StudentsPlanned = shards.Sum(s => s.Students.Length) },
            now.AddDays(-1));
        var writes = new List<ShardWrite>(shards.Count);
        var row = 0L;
        foreach (var (shard, students) in shards)
        {
            var assessments = new List<SkillAssessment>(students.Length * skills.Length);
            foreach (var student in students)
            {
                foreach (var skill in skills)
                {
                    var score = (row % 1000) / 999.0;
                    assessments.Add(new SkillAssessment(student, skill, score, Math.Abs((2 * score) - 1), "1.0.0", "deployed", unchecked((ulong)row * 0x9E3779B97F4A7C15UL).ToString("x16", CultureInfo.InvariantCulture), runId, now));
                    row++;
                }
            }

            writes.Add(new ShardWrite(shard with { RunId = runId }, assessments, [], new ShardStats(students.Length, assessments.Count, 0, TimeSpan.Zero, TimeSpan.Zero, now)));
        }

        var cpu = ProcessCpu();
        var watch = Stopwatch.StartNew();
        long inserted = 0;
        foreach (var write in writes)
        {
            inserted += (await store.WriteShardAsync(write)).Inserted;
        }

        return (watch.Elapsed, ProcessCpu() - cpu, row, inserted);
    }
}
