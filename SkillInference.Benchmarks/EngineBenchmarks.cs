using BenchmarkDotNet.Attributes;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Trees;

namespace SkillInference.Benchmarks;

/// <summary>
/// One sample FastTree model (200 trees, 16 leaves) scored on 4,096 distinct prepared rows: the compiled branch-free
/// engine, the node-by-node walk it replaced, and ML.NET's own PredictionEngine (the reference engine).
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private IScoringModel _compiled = null!;
    private CompiledTreeModel _selfLoop = null!;
    private IScoringModel _reference = null!;
    private TreeEnsemble _ensemble = null!;
    private float[][] _rows = [];
    private float[] _batch = [];
    private float[] _out = [];
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (path, catalog, data) = await BenchmarkStore.CreateAsync();
        var bundle = await new ModelRegistry(new FileSystemModelStore(path), formats: BuiltInModelFormats.Create()).Bundles.ReadAsync("collaboration", "1.0.0");
        _compiled = new MlNetModelFormat().Load(bundle, ScoringEngine.Compiled);
        _reference = new MlNetModelFormat().Load(bundle, ScoringEngine.Reference);
        _ensemble = ((CompiledTreeModel)_compiled).Ensemble;
        _selfLoop = new CompiledTreeModel(_ensemble, TreeKernelKind.SelfLoop);
        var builder = new FeatureVectorBuilder("collaboration", bundle.Schema, bundle.Manifest);
        var n = bundle.Schema.Count;
        _rows = [.. Enumerable.Range(0, 4096).Select(i =>
        {
            var row = new float[n];
            List<FeatureError>? errors = null;
            builder.TryBuild(BenchmarkStore.Row(data, bundle.Schema.Features.Select(f => f.Name), i), row, new double[n], new bool[n], ref errors);
            return row;
        })];
        _batch = [.. _rows.SelectMany(r => r)];
        _out = new float[_rows.Length];
        _ = catalog;
    }

    [Benchmark(Baseline = true, Description = "ML.NET PredictionEngine, one row")]
    public float Reference() => _reference.Predict(_rows[_next++ & 4095]);

    [Benchmark(Description = "node-by-node walk, one row")]
    public float Walk() => _ensemble.Predict(_rows[_next++ & 4095]);

    [Benchmark(Description = "self-loop kernel, one row")]
    public float SelfLoop() => _selfLoop.Predict(_rows[_next++ & 4095]);

    [Benchmark(Description = "compiled engine, one row")]
    public float Compiled() => _compiled.Predict(_rows[_next++ & 4095]);

    [Benchmark(Description = "compiled engine, 4,096-row batch (per row)", OperationsPerInvoke = 4096)]
    public void CompiledBatch() => _compiled.PredictBatch(_batch, _out);
}
