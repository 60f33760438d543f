using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Benchmarks.Suite;
using SkillInference.Inference;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// The client's CPU work of a batch run without a database, one thread: parsing shards of stored jsonb groups into
/// columnar blocks (<see cref="StudentFeatureBlockBuilder"/>), the shard handler scoring them on the seven skills and
/// building the assessment columns (<see cref="ShardHandler"/> over an in-memory source and a store that keeps
/// nothing), and the scoring call alone on the same blocks. The companion of <c>--batch-db-phases</c>: together they
/// say which side bounds a run. Reports the best of a few rounds, per student.
/// </summary>
/// <remarks><c>dotnet run -c Release --project SkillInference.Benchmarks -- --batch-client-phases [--xgb] [--students 100000] [--shard-size 1000] [--repeat 3]</c> (<c>--xgb</c>: XGB-300x6 alone on its timing rows, as <c>--batch-e2e --xgb</c>).</remarks>
internal static class BatchClientPhases
{
    public const string Flag = "--batch-client-phases";

    public static async Task<int> RunAsync(string[] args)
    {
        var students = BatchEndToEnd.Argument(args, "--students", 100_000);
        var shardSize = BatchEndToEnd.Argument(args, "--shard-size", 1_000);
        var repeat = BatchEndToEnd.Argument(args, "--repeat", 3);
        var xgb = args.Contains("--xgb");
        var (path, features) = xgb ? (BenchWork.XgbStore, XgbStudents(students)) : await SampleStudentsAsync(students);
        var stored = features.Chunk(shardSize)
            .Select(shard => shard.Select(s => (s.StudentId, Encoding.UTF8.GetBytes(FeatureJson.Serialize(s.Linguistic)), Encoding.UTF8.GetBytes(FeatureJson.Serialize(s.Behavioral)))).ToArray())
            .ToList();

        var blocks = stored.Select(Parse).ToArray();
        var source = new InMemorySource(blocks);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(path);
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<ISkillInferenceService>();
        await service.RefreshAsync();
        var handler = new ShardHandler(service, source, new DiscardingStore(), Options.Create(new BatchOptions { ShardSize = shardSize }), TimeProvider.System, NullLogger<ShardHandler>.Instance);
        var runId = Guid.CreateVersion7();

        var parse = new List<TimeSpan>();
        var score = new List<TimeSpan>();
        var handle = new List<TimeSpan>();
        for (var round = 0; round < repeat; round++)
        {
            parse.Add(Measure(() =>
            {
                foreach (var shard in stored)
                {
                    Parse(shard);
                }
            }));
            score.Add(await MeasureAsync(async () =>
            {
                foreach (var block in blocks)
                {
                    await service.InferRowsOnAllSkillsAsync(block.Rows, RowScoringOptions.Default);
                }
            }));
            handle.Add(await MeasureAsync(async () =>
            {
                for (var i = 0; i < blocks.Length; i++)
                {
                    await handler.HandleAsync(new ShardTask(runId, i, null, i.ToString(CultureInfo.InvariantCulture), StudentSelection.All));
                }
            }));
        }

        var c = CultureInfo.InvariantCulture;
        string Row(string phase, List<TimeSpan> times) => string.Create(c, $"| {phase} | **{times.Min().TotalSeconds:0.000} s** ({string.Join(" / ", times.Select(t => t.TotalSeconds.ToString("0.000", c)))}) | {times.Min().TotalMicroseconds / students:0.0} µs |");
        Console.WriteLine(string.Create(c, $"""
            ## Batch client phases (no database) — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC

            {students:N0} students × {service.Status.RegisteredSkills.Count} skills in shards of {shardSize:N0}, one thread, CPU time of this process; best of {repeat} rounds.

            | phase | time | per student |
            |---|---|---|
            {Row("parse stored jsonb text into blocks", parse)}
            {Row("InferRowsOnAllSkillsAsync on the blocks", score)}
            {Row("ShardHandler: score + build the assessment columns (no read, no write)", handle)}
            """));
        return 0;
    }

    /// <summary>The seven sample skills' synthetic students.</summary>
    private static async Task<(string Store, IEnumerable<StudentFeatures> Students)> SampleStudentsAsync(int students)
    {
        var (path, catalog, _) = await BenchmarkStore.CreateAsync();
        var generator = new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2027 });
        return (path, generator.Generate(0, students).Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UnixEpoch)));
    }

    /// <summary>XGB-300x6's timing rows as students, split into groups as <c>--batch-e2e --xgb</c> stores them.</summary>
    private static IEnumerable<StudentFeatures> XgbStudents(int students)
    {
        var model = SuiteModels.Current.Xgb;
        var names = model.Bundle.Schema.Features.Select(f => f.Name).ToArray();
        var half = names.Length / 2;
        Dictionary<string, double?> Group(int row, int from, int to) => Enumerable.Range(from, to - from)
            .Where(f => !float.IsNaN(model.Rows[(row * model.Features) + f]))
            .ToDictionary(f => names[f], f => (double?)model.Rows[(row * model.Features) + f], StringComparer.Ordinal);
        return Enumerable.Range(0, students).Select(r => new StudentFeatures(PostgresBenchSchema.StudentId(r), Group(r, 0, half), Group(r, half, names.Length), DateTimeOffset.UnixEpoch));
    }

    private static StudentFeatureBlock Parse((string Id, byte[] Linguistic, byte[] Behavioral)[] shard)
    {
        using var builder = new StudentFeatureBlockBuilder(shard.Length);
        foreach (var (id, linguistic, behavioral) in shard)
        {
            builder.Add(id, linguistic, behavioral, DateTimeOffset.UnixEpoch);
        }

        return builder.Build();
    }

    private static TimeSpan Measure(Action action)
    {
        var before = CpuTimes.ProcessCpu();
        action();
        return CpuTimes.ProcessCpu() - before;
    }

    private static async Task<TimeSpan> MeasureAsync(Func<Task> action)
    {
        var before = CpuTimes.ProcessCpu();
        await action();
        return CpuTimes.ProcessCpu() - before;
    }

    /// <summary>Serves shard i's block as parsed before timing.</summary>
    private sealed class InMemorySource(StudentFeatureBlock[] blocks) : IFeatureSource
    {
        public Task<long> GetChangeWatermarkAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);

        public IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StudentFeatureBlock> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default) => Task.FromResult(blocks[shard.Shard]);

        public Task<StudentFeatureBlock> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>Keeps nothing: every shard is new, every write inserts its rows.</summary>
    private sealed class DiscardingStore : IAssessmentStore
    {
        public Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default) => Task.FromResult(new ShardWriteResult(write.Assessments.Count, false, null));

        public Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RecordShardPlanAsync(Guid runId, IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ShardTask?> GetPlannedShardAsync(Guid runId, int shard, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
