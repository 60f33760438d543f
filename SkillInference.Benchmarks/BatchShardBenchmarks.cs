using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Inference;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// The CPU parts of one batch shard of 1,000 students, without the database: parsing the stored jsonb groups into one
/// columnar block (<see cref="StudentFeatureBlockBuilder"/>) and scoring every student on the seven skills
/// (<see cref="ISkillInferenceService.InferStudentsAsync"/>). Reported per student.
/// </summary>
[MemoryDiagnoser]
public class BatchShardBenchmarks
{
    private const int ShardSize = 1_000;
    private ServiceProvider _provider = null!;
    private ISkillInferenceService _service = null!;
    private (string Id, byte[] Linguistic, byte[] Behavioral)[] _stored = [];
    private StudentRequest[] _shard = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (path, catalog, _) = await BenchmarkStore.CreateAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(path);
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ISkillInferenceService>();
        await _service.RefreshAsync();

        var generator = new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2028 });
        var students = generator.Generate(0, ShardSize).Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow)).ToArray();
        _stored = [.. students.Select(s => (s.StudentId, Encoding.UTF8.GetBytes(FeatureJson.Serialize(s.Linguistic)), Encoding.UTF8.GetBytes(FeatureJson.Serialize(s.Behavioral))))];
        _shard = [.. students.Select(s => new StudentRequest(s.StudentId, s.Linguistic.Concat(s.Behavioral).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)))];
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Description = "parse a student's stored groups (jsonb text) into a columnar block of 1,000", OperationsPerInvoke = ShardSize)]
    public int ParseStoredFeatures()
    {
        using var builder = new StudentFeatureBlockBuilder(ShardSize);
        foreach (var (id, linguistic, behavioral) in _stored)
        {
            builder.Add(id, linguistic, behavioral, DateTimeOffset.UnixEpoch);
        }

        return builder.Build().Rows.Width;
    }

    [Benchmark(Description = "score a student on 7 skills (shard of 1,000)", OperationsPerInvoke = ShardSize)]
    public async Task<int> ScoreShard() => (await _service.InferStudentsAsync(_shard)).Count;
}
