using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Inference;

namespace SkillInference.Benchmarks;

/// <summary>
/// Inference through <see cref="ISkillInferenceService"/> with the seven sample models (ML.NET FastTree, 200 trees),
/// over distinct rows so that the branch predictor cannot learn one path: one skill, all seven skills for one student,
/// and a batch of 1,000 rows of one skill.
/// </summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private ServiceProvider _provider = null!;
    private ISkillInferenceService _service = null!;
    private InferenceRequest[] _single = [];
    private Dictionary<string, double?>[] _students = [];
    private InferenceRequest[] _batch = [];
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (path, catalog, data) = await BenchmarkStore.CreateAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(path);
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ISkillInferenceService>();
        await _service.RefreshAsync();

        var collaboration = catalog["collaboration"].Schema.Features.Select(f => f.Name).ToArray();
        _single = [.. Enumerable.Range(0, 4096).Select(i => new InferenceRequest("collaboration", BenchmarkStore.Row(data, collaboration, i)))];
        _students = [.. Enumerable.Range(0, 4096).Select(i => BenchmarkStore.Row(data, catalog.Features.Keys, i))];
        _batch = [.. Enumerable.Range(5000, 1000).Select(i => new InferenceRequest("collaboration", BenchmarkStore.Row(data, collaboration, i)))];
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Description = "one skill, one student")]
    public async Task<double> SingleSkill() => (await _service.InferAsync(_single[_next++ & 4095])).Score;

    [Benchmark(Description = "seven skills, one student")]
    public async Task<int> AllSkills() => (await _service.InferAllSkillsAsync(_students[_next++ & 4095])).Count;

    [Benchmark(Description = "batch of 1,000 rows, one skill", OperationsPerInvoke = 1000)]
    public async Task<int> Batch1000() => (await _service.InferBatchAsync(_batch)).Count;
}
