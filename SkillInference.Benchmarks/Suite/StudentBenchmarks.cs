using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Inference;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// Issue 7, benchmark 2: one student, all seven sample skills, through <see cref="ISkillInferenceService"/> — feature
/// dictionaries in, seven results out (validation, imputation, scaling, scoring, confidence, top features), over 4,096
/// distinct students with ids. <c>InferAllSkillsAsync</c> (one dictionary for all skills) with the cache off and on;
/// the same seven (student, skill) items through <c>InferBatchAsync</c>, which consults the cache, with the cache off
/// and on a memory hit (every student scored once in the setup); and one skill through <c>InferAsync</c>, off and hit.
/// Beside them (issue 10), the floor: the seven compiled models alone on the same students' rows, prepared beforehand.
/// </summary>
[MemoryDiagnoser]
public class StudentBenchmarks
{
    private const int Students = 4096;
    private const int Mask = Students - 1;
    private ServiceProvider _uncachedProvider = null!;
    private ServiceProvider _cachedProvider = null!;
    private ISkillInferenceService _uncached = null!;
    private ISkillInferenceService _cached = null!;
    private Dictionary<string, double?>[] _features = [];
    private string[] _ids = [];
    private InferenceRequest[][] _sevenItems = [];
    private Engines.IScoringModel[] _kernels = [];
    private float[][][] _prepared = [];
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (store, catalog, data) = await SampleRows.LoadAsync(Students);
        _uncachedProvider = Build(store, cache: false);
        _cachedProvider = Build(store, cache: true);
        _uncached = _uncachedProvider.GetRequiredService<ISkillInferenceService>();
        _cached = _cachedProvider.GetRequiredService<ISkillInferenceService>();
        await _uncached.RefreshAsync();
        await _cached.RefreshAsync();

        _features = [.. Enumerable.Range(0, Students).Select(i => BenchmarkStore.Row(data, catalog.Features.Keys, i))];
        _ids = [.. Enumerable.Range(0, Students).Select(i => $"bench-student-{i:D5}")];
        var skills = catalog.Skills.Select(s => (s.Id, Names: s.Schema.Features.Select(f => f.Name).ToArray())).ToArray();
        _sevenItems = [.. Enumerable.Range(0, Students).Select(i => skills.Select(s => new InferenceRequest(s.Id, BenchmarkStore.Row(data, s.Names, i), _ids[i])).ToArray())];

        // The seven kernels alone: each skill's compiled model on the students' rows as the service prepares them.
        var kernels = new List<Engines.IScoringModel>();
        var prepared = new List<float[][]>();
        foreach (var skill in catalog.Skills)
        {
            var (bundle, rows) = await SampleRows.PrepareAsync(skill.Id, Students);
            kernels.Add(SuiteModels.Ours(bundle));
            prepared.Add(rows);
        }

        (_kernels, _prepared) = ([.. kernels], [.. prepared]);
        var first = await _uncached.InferAllSkillsAsync(_features[0], _ids[0]);
        for (var s = 0; s < _kernels.Length; s++)
        {
            var score = first.Single(o => o.Result!.Skill == catalog.Skills[s].Id).Result!.Score;
            if (score != Math.Clamp((double)_kernels[s].Predict(_prepared[s][0]), 0.0, 1.0))
            {
                throw new InvalidOperationException($"{catalog.Skills[s].Id}: the kernel alone scores student 0 {_kernels[s].Predict(_prepared[s][0])}, the service {score}.");
            }
        }

        // Cache off must really be off, on the seven sample skills: a student asked twice is computed twice, every time
        // on exactly the catalog's seven skills.
        var sampleSkills = catalog.Skills.Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < 64; i++)
        {
            foreach (var outcomes in new[] { await _uncached.InferAllSkillsAsync(_features[i], _ids[i]), await _uncached.InferAllSkillsAsync(_features[i], _ids[i]), await _uncached.InferBatchAsync(_sevenItems[i]) })
            {
                Expect7(outcomes, $"student {i}, cache off");
                if (outcomes.Any(o => o.Result!.Cached) || !outcomes.Select(o => o.Result!.Skill).Order(StringComparer.Ordinal).SequenceEqual(sampleSkills))
                {
                    throw new InvalidOperationException($"Cache off: student {i} was answered from a cache or not on the seven sample skills ({string.Join(", ", outcomes.Select(o => $"{o.Result!.Skill}{(o.Result.Cached ? " cached" : "")}"))}).");
                }
            }
        }

        // Warm the cache: every student's seven items once; the second call must be a hit.
        for (var i = 0; i < Students; i++)
        {
            Expect7(await _cached.InferBatchAsync(_sevenItems[i]), $"student {i}");
            Expect7(await _cached.InferAllSkillsAsync(_features[i], _ids[i]), $"student {i}");
        }

        var batchCached = (await _cached.InferBatchAsync(_sevenItems[0])).All(o => o.Result!.Cached);
        var singleCached = (await _cached.InferAsync(_sevenItems[0][0])).Cached;
        var allSkillsCached = (await _cached.InferAllSkillsAsync(_features[0], _ids[0])).All(o => o.Result!.Cached);
        if (!batchCached || !singleCached)
        {
            throw new InvalidOperationException("A second request for a student was not served from the cache.");
        }

        // InferAllSkillsAsync may or may not consult the cache; the report says which it measured.
        Directory.CreateDirectory(BenchWork.Results);
        await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, "student-cache.json"), new JsonObject
        {
            ["inferAllSkillsUsesCache"] = allSkillsCached,
            ["cacheOffChecked"] = true,
            ["skills"] = new JsonArray([.. sampleSkills.Select(id => (JsonNode)id)]),
        }.ToJsonString());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _uncachedProvider.Dispose();
        _cachedProvider.Dispose();
        foreach (var kernel in _kernels)
        {
            kernel.Dispose();
        }
    }

    [Benchmark(Baseline = true, Description = "seven skills: InferAllSkillsAsync, cache off")]
    public async Task<int> AllSkills()
    {
        var i = _next++ & Mask;
        return (await _uncached.InferAllSkillsAsync(_features[i], _ids[i])).Count;
    }

    [Benchmark(Description = "seven skills: the seven kernels alone (prepared rows)")]
    public float SevenKernels()
    {
        var i = _next++ & Mask;
        var sum = 0f;
        for (var s = 0; s < _kernels.Length; s++)
        {
            sum += _kernels[s].Predict(_prepared[s][i]);
        }

        return sum;
    }

    [Benchmark(Description = "seven skills: InferAllSkillsAsync, memory cache on")]
    public async Task<int> AllSkillsCacheOn()
    {
        var i = _next++ & Mask;
        return (await _cached.InferAllSkillsAsync(_features[i], _ids[i])).Count;
    }

    [Benchmark(Description = "seven skills: InferBatchAsync, cache off")]
    public async Task<int> SevenItems() => (await _uncached.InferBatchAsync(_sevenItems[_next++ & Mask])).Count;

    [Benchmark(Description = "seven skills: InferBatchAsync, cache hit (memory)")]
    public async Task<int> SevenItemsCached() => (await _cached.InferBatchAsync(_sevenItems[_next++ & Mask])).Count;

    [Benchmark(Description = "one skill: InferAsync, cache off")]
    public async Task<double> OneSkill() => (await _uncached.InferAsync(_sevenItems[_next++ & Mask][0])).Score;

    [Benchmark(Description = "one skill: InferAsync, cache hit (memory)")]
    public async Task<double> OneSkillCached() => (await _cached.InferAsync(_sevenItems[_next++ & Mask][0])).Score;

    private static void Expect7(IReadOnlyList<InferenceOutcome> outcomes, string what)
    {
        if (outcomes.Count != 7 || outcomes.Any(o => !o.IsSuccess))
        {
            throw new InvalidOperationException($"{what}: expected 7 scores, got {outcomes.Count(o => o.IsSuccess)} ({outcomes.FirstOrDefault(o => !o.IsSuccess)?.Error?.Message}).");
        }
    }

    private static ServiceProvider Build(string store, bool cache)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddSkillInference().UseFileSystemModelStore(store);
        if (cache)
        {
            builder.ConfigureCache(o => o.KeySecret = "benchmark-key-secret");
        }
        else
        {
            builder.WithoutCache();
        }

        return services.BuildServiceProvider();
    }
}
