using BenchmarkDotNet.Attributes;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// Issue 7, benchmark 1 on FT-300 (ML.NET FastTree, 300 trees × 64 leaves, 20 features): one row, one skill, on each
/// engine that can run the identical model — ours (the compiled engine), ML.NET's PredictionEngine with the
/// <c>Predict(x, ref y)</c> overload, and ONNX Runtime (ML.NET's ONNX export; preallocated OrtValues, one thread).
/// Each call scores the next of 65,536 distinct prepared rows.
/// </summary>
[MemoryDiagnoser]
public class FastTreeSingleRowBenchmarks
{
    private const int Mask = SuiteModels.SingleRowCount - 1;
    private IScoringModel _ours = null!;
    private MlNetBaseline _mlnet = null!;
    private OnnxBaseline _onnx = null!;
    private float[][] _rows = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var models = SuiteModels.Current;
        _ours = SuiteModels.Ours(models.FtBundle);
        _mlnet = new MlNetBaseline(models.FtBundle.ModelBytes.ToArray());
        _onnx = new OnnxBaseline(models.FtOnnx, threads: 1);
        _rows = SuiteModels.Split(models.FtRows, SuiteModels.SingleRowCount, SuiteModels.Features);
        SuiteChecks.Agree("FT-300", _rows, ("ML.NET PredictionEngine", i => _mlnet.Predict(_rows[i])), ("ours", i => _ours.Predict(_rows[i])), ("ONNX Runtime", i => _onnx.Predict(_rows[i])));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        _onnx.Dispose();
    }

    [Benchmark(Description = "ours")]
    public float Ours() => _ours.Predict(_rows[_next++ & Mask]);

    [Benchmark(Baseline = true, Description = "ML.NET PredictionEngine")]
    public float MlNet() => _mlnet.Predict(_rows[_next++ & Mask]);

    [Benchmark(Description = "ONNX Runtime")]
    public float Onnx() => _onnx.Predict(_rows[_next++ & Mask]);
}

/// <summary>
/// Issue 7, benchmark 1 on XGB-300x6 (a real XGBoost model, 300 trees × depth 6): ours against ONNX Runtime on the
/// same trees converted by tools/bench/xgboost_to_onnx.py (ML.NET cannot load XGBoost models; Python XGBoost's single
/// rows are timed by tools/bench/time_xgboost.py in the same run).
/// </summary>
[MemoryDiagnoser]
public class XGBoostSingleRowBenchmarks
{
    private const int Mask = SuiteModels.SingleRowCount - 1;
    private IScoringModel _ours = null!;
    private OnnxBaseline _onnx = null!;
    private float[][] _rows = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var models = SuiteModels.Current;
        _ours = SuiteModels.Ours(models.XgbBundle);
        _onnx = new OnnxBaseline(models.XgbOnnx, threads: 1);
        _rows = SuiteModels.Split(models.XgbRows, SuiteModels.SingleRowCount, SuiteModels.Features);
        var expected = BenchWork.ReadFloats(BenchWork.XgbExpected, 4096);
        SuiteChecks.Agree("XGB-300x6", _rows, ("xgboost predict_proba", i => expected[i]), ("ours", i => _ours.Predict(_rows[i])), ("ONNX Runtime", i => _onnx.Predict(_rows[i])));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        _onnx.Dispose();
    }

    [Benchmark(Description = "ours")]
    public float Ours() => _ours.Predict(_rows[_next++ & Mask]);

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public float Onnx() => _onnx.Predict(_rows[_next++ & Mask]);
}

/// <summary>
/// Issue 7, benchmark 1 on a sample model (the <c>collaboration</c> skill's ML.NET FastTree bundle as the service
/// serves it): ours against ML.NET's PredictionEngine, over 65,536 distinct synthetic students prepared by the
/// service's own feature preparation.
/// </summary>
[MemoryDiagnoser]
public class SampleSingleRowBenchmarks
{
    private const int Mask = SuiteModels.SingleRowCount - 1;
    private IScoringModel _ours = null!;
    private MlNetBaseline _mlnet = null!;
    private float[][] _rows = [];
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (bundle, rows) = await SampleRows.PrepareAsync("collaboration", SuiteModels.SingleRowCount);
        _ours = SuiteModels.Ours(bundle);
        _mlnet = new MlNetBaseline(bundle.ModelBytes.ToArray());
        _rows = rows;
        SuiteChecks.Agree("sample collaboration", _rows, ("ML.NET PredictionEngine", i => _mlnet.Predict(_rows[i])), ("ours", i => _ours.Predict(_rows[i])));
    }

    [GlobalCleanup]
    public void Cleanup() => _ours.Dispose();

    [Benchmark(Description = "ours")]
    public float Ours() => _ours.Predict(_rows[_next++ & Mask]);

    [Benchmark(Baseline = true, Description = "ML.NET PredictionEngine")]
    public float MlNet() => _mlnet.Predict(_rows[_next++ & Mask]);
}
