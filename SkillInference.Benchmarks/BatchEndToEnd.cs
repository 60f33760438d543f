using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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
        var server = Environment.GetEnvironmentVariable("SKILLINF_BENCH_POSTGRES");
        if (string.IsNullOrEmpty(server))
        {
            await Console.Error.WriteLineAsync("Set SKILLINF_BENCH_POSTGRES to a PostgreSQL connection string (see docs/batch.md); a throwaway schema is created in it and dropped afterwards.");
            return 2;
        }

        var (storePath, catalog, _) = await BenchmarkStore.CreateAsync();
        var schema = "bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseFileSystemModelStore(storePath).UsePostgres(connection).AddBatchInference(o =>
            {
                o.ShardSize = shardSize;
                o.MaxParallelShards = parallel;
            });
            await using var provider = services.BuildServiceProvider();
            await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
            await provider.GetRequiredService<Inference.ISkillInferenceService>().RefreshAsync();

            var generator = new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2027 });
            var writer = provider.GetRequiredService<IStudentDataWriter>();
            var seeded = DateTimeOffset.UtcNow.AddDays(-1);
            var seeding = Stopwatch.StartNew();
            for (var first = 0; first < students; first += 10_000)
            {
                var chunk = generator.Generate(first, Math.Min(10_000, students - first)).ToArray();
                await writer.UpsertStudentFeaturesAsync([.. chunk.Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, seeded))]);
                await writer.UpsertTeacherRatingsAsync([.. chunk.SelectMany(s => SyntheticStudentData.ToTeacherRatings(generator, s, seeded))]);
            }

            seeding.Stop();
            await ExecuteAsync(connection, "VACUUM ANALYZE");

            var runner = provider.GetRequiredService<BatchRunner>();
            var wall = Stopwatch.StartNew();
            var full = await runner.RunAsync(BatchMode.Full);
            wall.Stop();

            // 1% of the students change; the incremental run must find and rescore exactly them.
            var changed = students / 100;
            var source = provider.GetRequiredService<IFeatureSource>();
            var ids = Enumerable.Range(0, changed).Select(i => SyntheticDataGenerator.StudentIdOf((long)i * 100)).ToArray();
            var rows = await source.ReadStudentsAsync(ids);
            await writer.UpsertStudentFeaturesAsync([.. rows.Select(r => r with
            {
                Behavioral = new Dictionary<string, double?>(r.Behavioral) { ["sessions_per_week"] = 1 },
                UpdatedAt = DateTimeOffset.UtcNow,
            })]);
            var incrementalWall = Stopwatch.StartNew();
            var incremental = await runner.RunAsync(BatchMode.Incremental);
            incrementalWall.Stop();

            Print(students, shardSize, parallel, seeding.Elapsed, wall.Elapsed, full, changed, incrementalWall.Elapsed, incremental);
            return full.Status == RunStatus.Succeeded && full.Students == students ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP SCHEMA {schema} CASCADE");
        }
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

    private static int Argument(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
