using BenchmarkDotNet.Attributes;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;
using SkillInference.Loading;
using SkillInference.Monitoring;

namespace SkillInference.Benchmarks;

/// <summary>
/// Online drift's cost per scored row (the pipeline's observer, on every request): <c>collaboration</c>'s 14 referenced
/// features and its score counted for a group of 1,000 prepared rows, with the reference's bins moved into the rows'
/// scaled float space (<see cref="ScaledBins"/>: a few vector compares per value) against unscaling each value in double
/// and binary-searching the raw edges, which is still the path for a reference whose edges are out of order (here one
/// feature's, so that both run in the product's own code).
/// 2026-12-07: 96 ns against 348 ns per row (0 B).
/// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*DriftCounting*'
/// </summary>
[MemoryDiagnoser]
public class DriftCountingBenchmarks
{
    private const int Rows = 1000;
    private DriftCounters _thresholds = null!;
    private DriftCounters _search = null!;
    private LoadedModel _model = null!;
    private float[] _rows = [];
    private float[] _probabilities = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (path, _, _) = await BenchmarkStore.CreateAsync();
        var bundle = await ModelBundle.ReadDirectoryAsync(Path.Combine(path, "skills", "collaboration", "1.0.0"));
        _model = Load(bundle);
        _thresholds = new DriftCounters(_model, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5));
        var name = bundle.Manifest.Reference.Features.Keys.First();
        var swapped = bundle.Manifest.Reference.Features[name].Edges.ToArray();
        (swapped[3], swapped[6]) = (swapped[6], swapped[3]);
        var outOfOrder = ModelBundle.Create(
            bundle.Manifest with
            {
                Reference = bundle.Manifest.Reference with { Features = bundle.Manifest.Reference.Features.ToDictionary(kv => kv.Key, kv => kv.Key == name ? kv.Value with { Edges = swapped } : kv.Value) },
            },
            bundle.ModelBytes);
        _search = new DriftCounters(Load(outOfOrder), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5));

        // Prepared rows look standard-scaled: about N(0, 1), with 5 % missing.
        var random = new Random(11);
        _rows = [.. Enumerable.Range(0, Rows * _model.Names.Length).Select(_ => random.NextDouble() < 0.05 ? float.NaN : (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2))];
        _probabilities = [.. Enumerable.Range(0, Rows).Select(_ => random.NextSingle())];
    }

    private static LoadedModel Load(ModelBundle bundle) =>
        new(bundle, new MlNetModelFormat().Load(bundle, ScoringEngine.Compiled), DateTimeOffset.UtcNow);

    private ScoredGroup Group() => new(_model, "deployed", false, _rows, _probabilities, 0, 0, 0, TimeSpan.FromMilliseconds(1));

    [Benchmark(Baseline = true, Description = "unscale in double, search the raw edges", OperationsPerInvoke = Rows)]
    public void UnscaleAndSearch() => _search.Add(Group(), DateTimeOffset.UtcNow);

    [Benchmark(Description = "thresholds in the scaled space (ScaledBins)", OperationsPerInvoke = Rows)]
    public void Thresholds() => _thresholds.Add(Group(), DateTimeOffset.UtcNow);
}
