using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Inference;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// The CPU parts of one batch shard of 1,000 students, without the database: parsing the stored jsonb groups
/// (<see cref="FeatureJson"/>) and scoring every student on the seven skills (<see cref="ISkillInferenceService.InferStudentsAsync"/>).
/// Reported per student.
/// </summary>
[MemoryDiagnoser]
public class BatchShardBenchmarks
{
    private const int ShardSize = 1_000;
    private ServiceProvider _provider = null!;
    private ISkillInferenceService _service = null!;
    private (string Linguistic, string Behavioral)[] _stored = [];
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
        _stored = [.. students.Select(s => (FeatureJson.Serialize(s.Linguistic), FeatureJson.Serialize(s.Behavioral)))];
        _shard = [.. students.Select(s => new StudentRequest(s.StudentId, s.Linguistic.Concat(s.Behavioral).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)))];
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Description = "parse a student's stored groups (jsonb text)", OperationsPerInvoke = ShardSize)]
    public int ParseStoredFeatures()
    {
        var count = 0;
        foreach (var (linguistic, behavioral) in _stored)
        {
            if (FeatureJson.TryParse(linguistic, out var l, out _) && FeatureJson.TryParse(behavioral, out var b, out _))
            {
                count += l.Count + b.Count;
            }
        }

        return count;
    }

    [Benchmark(Description = "score a student on 7 skills (shard of 1,000)", OperationsPerInvoke = ShardSize)]
    public async Task<int> ScoreShard() => (await _service.InferStudentsAsync(_shard)).Count;
}
