using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;

namespace SkillInference.Benchmarks;

/// <summary>
/// The database half of a batch run on a real PostgreSQL, each phase alone and on one thread: reading every shard's
/// features (<see cref="IFeatureSource.ReadShardAsync"/>) and storing every shard's 7 assessments per student
/// (<see cref="IAssessmentStore.WriteShardAsync"/>), with no scoring in between. A program mode (timings of seconds,
/// the best of a few rounds); it prints a Markdown table with the CPU time of this process and of the PostgreSQL server
/// beside the wall time (on a shared machine the wall time also holds everyone else's load).
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

        var port = new Npgsql.NpgsqlConnectionStringBuilder(bench.Connection).Port;
        var skills = bench.SkillIds;

        // Rounds of: read every shard in turn; write a run of every shard with 7 assessments per student into an
        // empty table; write them again as a second run (the nightly full run over unchanged features: every row is
        // already there). The first round also warms the pool and the caches. Each measure's best round is reported.
        var reads = new List<Measure>();
        var writes = new List<Measure>();
        var rewrites = new List<Measure>();
        for (var round = 0; round < repeat; round++)
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var read = 0;
            reads.Add(await Measure.RunAsync(port, async () =>
            {
                foreach (var (shard, _) in shards)
                {
                    read += await ReadShardAsync(source, shard);
                }

                return read;
            }) with { Allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated });

            await bench.ExecuteAsync("TRUNCATE skill_assessments");
            var runs = new[] { Prepare(shards, skills), Prepare(shards, skills) };
            foreach (var (list, run) in new[] { (writes, runs[0]), (rewrites, runs[1]) })
            {
                await store.TryStartRunAsync(run.Run, run.Run.StartedAt.AddDays(-1));
                list.Add(await Measure.RunAsync(port, async () =>
                {
                    var inserted = 0;
                    foreach (var write in run.Writes)
                    {
                        inserted += (await store.WriteShardAsync(write)).Inserted;
                    }

                    return inserted;
                }));
            }
        }

        var c = CultureInfo.InvariantCulture;
        var rows = (long)students * skills.Length;
        string Row(string phase, List<Measure> measures, double count, string unit, string extra = "") =>
            string.Create(c, $"| {phase} | **{measures.Min(m => m.Elapsed).TotalSeconds:0.00} s** ({string.Join(" / ", measures.Select(m => m.Elapsed.TotalSeconds.ToString("0.00", c)))}) | **{count / measures.Min(m => m.Elapsed).TotalSeconds:N0} {unit}/s**{extra} | {measures.Min(m => m.ClientCpu).TotalSeconds:0.00} s | {(measures.All(m => m.ServerCpu is not null) ? measures.Min(m => m.ServerCpu!.Value).TotalSeconds.ToString("0.00 s", c) : "n/a")} |");
        Console.WriteLine(string.Create(c, $"""
            ## Batch database phases (PostgreSQL) — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC

            Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; PostgreSQL on 127.0.0.1 (fsync off); one thread, {shards.Count} shards of {shardSize:N0}; best of {repeat} rounds (all rounds in brackets).
            Reproduce: `{PostgresBenchSchema.EnvironmentVariable}='Host=...;Database=...' dotnet run -c Release --project SkillInference.Benchmarks -- {Flag} --students {students} --shard-size {shardSize} --repeat {repeat}`

            | phase | wall time | throughput | CPU of this process | CPU of the PostgreSQL server |
            |---|---|---|---|---|
            {Row($"read {students:N0} students", reads, students, "students", string.Create(c, $", {reads.Min(r => r.Allocated) / (double)students:N0} B allocated per student"))}
            {Row($"write {rows:N0} assessments into an empty table", writes, rows, "assessments")}
            {Row($"write the {rows:N0} assessments again as a new run (all present)", rewrites, rows, "assessments")}
            """));
        var best = (Students: reads.Min(r => r.Count), Inserted: writes.Min(w => w.Count), Reinserted: rewrites.Max(w => w.Count));
        if (best.Students != students || best.Inserted != rows || best.Reinserted != 0)
        {
            Console.Error.WriteLine($"Unexpected counts: {best}.");
            return 1;
        }

        return 0;
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
    /// <summary>A run of every shard with 7 assessments per student (distinct, deterministic values), built before timing.</summary>
    private static (InferenceRun Run, List<ShardWrite> Writes) Prepare(List<(ShardTask Shard, string[] Students)> shards, string[] skills)
    {
        var now = DateTimeOffset.UtcNow;
        var run = new InferenceRun { RunId = Guid.CreateVersion7(now), Mode = BatchMode.Full, Status = RunStatus.Running, StartedAt = now, Dispatcher = "bench", Shards = shards.Count, StudentsPlanned = shards.Sum(s => s.Students.Length) };
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
                    assessments.Add(new SkillAssessment(student, skill, score, Math.Abs((2 * score) - 1), "1.0.0", "deployed", unchecked((ulong)row * 0x9E3779B97F4A7C15UL).ToString("x16", CultureInfo.InvariantCulture), run.RunId, now));
                    row++;
                }
            }

            writes.Add(new ShardWrite(shard with { RunId = run.RunId }, AssessmentBlock.Of(assessments), [], new ShardStats(students.Length, assessments.Count, 0, TimeSpan.Zero, TimeSpan.Zero, now)));
        }

        return (run, writes);
    }

    /// <summary>One measured phase: wall time, this process's CPU time, the server's CPU time, what it counted and allocated.</summary>
    private readonly record struct Measure(TimeSpan Elapsed, TimeSpan ClientCpu, TimeSpan? ServerCpu, long Count, long Allocated)
    {
        public static async Task<Measure> RunAsync(int port, Func<Task<int>> phase)
        {
            var server = PostgresServerCpu.Read(port);
            var client = CpuTimes.ProcessCpu();
            var watch = Stopwatch.StartNew();
            var count = await phase();
            var elapsed = watch.Elapsed;
            return new Measure(elapsed, CpuTimes.ProcessCpu() - client, PostgresServerCpu.Read(port) - server, count, 0);
        }
    }
}
