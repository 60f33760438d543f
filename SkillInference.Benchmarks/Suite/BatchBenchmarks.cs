using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// Issue 7, benchmark 3: batches of 1,000, 100,000 and 1,000,000 distinct prepared rows (the first n timing rows), on
/// XGB-300x6, FT-300 and (issue 10) the deep XGB-400x8.
/// Ours: <see cref="IScoringModel.PredictBatch"/> (all cores above its parallel threshold). ML.NET: <c>Transform</c> of
/// an in-memory data view and a cursor reading every probability (one thread, as ML.NET runs it). ONNX Runtime: one
/// <c>[n, 20]</c> tensor bound with its output, intra-op threads = cores. Python XGBoost on the same rows is timed by
/// tools/bench/time_xgboost.py. Reported per batch; rows/s = n / mean.
/// </summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    private IScoringModel? _oursXgb;
    private IScoringModel? _oursXgbDeep;
    private IScoringModel? _oursFt;
    private OnnxBaseline? _onnxXgb;
    private OnnxBaseline? _onnxXgbDeep;
    private OnnxBaseline? _onnxFt;
    private OrtIoBinding? _binding;
    private MlNetBaseline? _mlnet;
    private IDataView? _view;
    private float[] _output = [];

    /// <summary>The batch sizes: 1k, 100k and 1M rows (1k and 100k with <c>--short</c>).</summary>
    public static IEnumerable<int> Sizes => BenchWork.Short ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];

    [ParamsSource(nameof(Sizes))]
    public int Rows { get; set; }

    [GlobalSetup(Target = nameof(OursXgb))]
    public void SetupOursXgb()
    {
        _oursXgb = SuiteModels.Ours(SuiteModels.Current.XgbBundle);
        _output = new float[Rows];
    }

    [GlobalSetup(Target = nameof(OursXgbDeep))]
    public void SetupOursXgbDeep()
    {
        _oursXgbDeep = SuiteModels.Ours(SuiteModels.Current.XgbDeep.Bundle);
        _output = new float[Rows];
    }

    [GlobalSetup(Target = nameof(OnnxXgbDeep))]
    public void SetupOnnxXgbDeep()
    {
        var deep = SuiteModels.Current.XgbDeep;
        _onnxXgbDeep = new OnnxBaseline(deep.Onnx, threads: Environment.ProcessorCount);
        _output = new float[Rows * _onnxXgbDeep.Width];
        _binding = _onnxXgbDeep.BindBatch(deep.Rows, Rows, _output);
    }

    [GlobalSetup(Target = nameof(OursFt))]
    public void SetupOursFt()
    {
        _oursFt = SuiteModels.Ours(SuiteModels.Current.FtBundle);
        _output = new float[Rows];
    }

    [GlobalSetup(Target = nameof(OnnxXgb))]
    public void SetupOnnxXgb()
    {
        _onnxXgb = new OnnxBaseline(SuiteModels.Current.XgbOnnx, threads: Environment.ProcessorCount);
        _output = new float[Rows * _onnxXgb.Width];
        _binding = _onnxXgb.BindBatch(SuiteModels.Current.XgbRows, Rows, _output);
    }

    [GlobalSetup(Target = nameof(OnnxFt))]
    public void SetupOnnxFt()
    {
        _onnxFt = new OnnxBaseline(SuiteModels.Current.FtOnnx, threads: Environment.ProcessorCount);
        _output = new float[Rows * _onnxFt.Width];
        _binding = _onnxFt.BindBatch(SuiteModels.Current.FtRows, Rows, _output);
    }

    [GlobalSetup(Target = nameof(MlNetTransformFt))]
    public void SetupMlNet()
    {
        _mlnet = new MlNetBaseline(SuiteModels.Current.FtBundle.ModelBytes.ToArray());
        _view = _mlnet.View(SuiteModels.Current.FtRows, Rows);
        _output = new float[Rows];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oursXgb?.Dispose();
        _oursXgbDeep?.Dispose();
        _oursFt?.Dispose();
        _onnxXgb?.Dispose();
        _onnxXgbDeep?.Dispose();
        _onnxFt?.Dispose();
        (_oursXgb, _oursXgbDeep, _oursFt, _onnxXgb, _onnxXgbDeep, _onnxFt, _binding, _mlnet, _view) = (null, null, null, null, null, null, null, null, null);
        _output = [];
    }

    [Benchmark(Description = "XGB-300x6: ours")]
    public void OursXgb() => _oursXgb!.PredictBatch(SuiteModels.Current.XgbRows.AsSpan(0, Rows * SuiteModels.Features), _output);

    [Benchmark(Description = "XGB-300x6: ONNX Runtime")]
    public void OnnxXgb() => _onnxXgb!.Run(_binding!);

    [Benchmark(Description = "XGB-400x8: ours")]
    public void OursXgbDeep() => _oursXgbDeep!.PredictBatch(SuiteModels.Current.XgbDeep.Rows.AsSpan(0, Rows * SuiteModels.Current.XgbDeep.Features), _output);

    [Benchmark(Description = "XGB-400x8: ONNX Runtime")]
    public void OnnxXgbDeep() => _onnxXgbDeep!.Run(_binding!);

    [Benchmark(Description = "FT-300: ours")]
    public void OursFt() => _oursFt!.PredictBatch(SuiteModels.Current.FtRows.AsSpan(0, Rows * SuiteModels.Features), _output);

    [Benchmark(Description = "FT-300: ML.NET Transform")]
    public double MlNetTransformFt() => _mlnet!.TransformAll(_view!, _output);

    [Benchmark(Description = "FT-300: ONNX Runtime")]
    public void OnnxFt() => _onnxFt!.Run(_binding!);
}
