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
public class XGBoostSingleRowBenchmarks : XGBoostSingleRowBase
{
    private protected override XgbSuiteModel Model => SuiteModels.Current.Xgb;
}

/// <summary>Issue 10: the same on the deep model XGB-400x8 (400 trees × depth 8, 24 features).</summary>
[MemoryDiagnoser]
public class XGBoostDeepSingleRowBenchmarks : XGBoostSingleRowBase
{
    private protected override XgbSuiteModel Model => SuiteModels.Current.XgbDeep;
}

/// <summary>
/// One row of an XGBoost model of the suite: ours against ONNX Runtime, each call on the next of 65,536 distinct rows,
/// checked first against xgboost's own predict_proba of those rows.
/// </summary>
public abstract class XGBoostSingleRowBase
{
    private const int Mask = SuiteModels.SingleRowCount - 1;
    private IScoringModel _ours = null!;
    private OnnxBaseline _onnx = null!;
    private float[][] _rows = [];
    private int _next;

    private protected abstract XgbSuiteModel Model { get; }

    [GlobalSetup]
    public void Setup()
    {
        var model = Model;
        _ours = SuiteModels.Ours(model.Bundle);
        _onnx = new OnnxBaseline(model.Onnx, threads: 1);
        _rows = SuiteModels.Split(model.Rows, SuiteModels.SingleRowCount, model.Features);
        var expected = model.Expected(4096);
        SuiteChecks.Agree(model.Name, _rows, ("xgboost predict_proba", i => expected[i]), ("ours", i => _ours.Predict(_rows[i])), ("ONNX Runtime", i => _onnx.Predict(_rows[i])));
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
