using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// The suite's large models, loaded once per process from the work folder that <c>--prepare</c> filled:
/// "XGB-300x6" (a real XGBoost model, 300 trees × depth 6, and its ONNX conversion), "XGB-400x8" (the deep one, 400
/// trees × depth 8 over 24 features, made the same way) and "FT-300" (ML.NET FastTree, 300 trees × 64 leaves, and
/// ML.NET's own ONNX export of it), with their prepared timing rows.
/// </summary>
internal sealed class SuiteModels
{
    /// <summary>The width of XGB-300x6's and FT-300's rows.</summary>
    public const int Features = 20;

    /// <summary>Distinct rows the single-row benchmarks cycle through (5 MB of rows: beyond the L2 cache, as in serving).</summary>
    public const int SingleRowCount = 1 << 16;

    private static readonly Lazy<SuiteModels> Instance = new(() => new SuiteModels());
    private readonly Lazy<float[]> _ftRows = new(() => BenchWork.ReadFloats(BenchWork.FtRows));
    private readonly Lazy<XgbSuiteModel> _xgbDeep = new(() => new XgbSuiteModel(BenchWork.Xgb400));

    private SuiteModels()
    {
        Xgb = new XgbSuiteModel(BenchWork.Xgb300);
        FtBundle = ReadBundle(BenchWork.FtBundle);
        FtOnnx = File.ReadAllBytes(BenchWork.FtOnnx);
    }

    public static SuiteModels Current => Instance.Value;

    /// <summary>XGB-300x6.</summary>
    public XgbSuiteModel Xgb { get; }

    /// <summary>XGB-400x8 (loaded on first use).</summary>
    public XgbSuiteModel XgbDeep => _xgbDeep.Value;

    public ModelBundle XgbBundle => Xgb.Bundle;

    public ModelBundle FtBundle { get; }

    public byte[] XgbOnnx => Xgb.Onnx;

    public byte[] FtOnnx { get; }

    /// <summary>All timing rows for XGB-300x6 (raw features, its prepared input), row-major.</summary>
    public float[] XgbRows => Xgb.Rows;

    /// <summary>All timing rows prepared for FT-300 (scaled), row-major.</summary>
    public float[] FtRows => _ftRows.Value;

    public int RowCount => Xgb.RowCount;

    /// <summary>Our engine for a bundle: the compiled tree evaluator (what the service serves these formats with).</summary>
    public static IScoringModel Ours(ModelBundle bundle) =>
        BuiltInModelFormats.Create().Single(f => f.Format == bundle.Manifest.Format).Load(bundle, ScoringEngine.Compiled);

    public static ModelBundle ReadBundle(string directory)
    {
        if (!File.Exists(Path.Combine(directory, ModelBundle.ManifestFileName)))
        {
            throw new InvalidOperationException($"{directory} is missing: run `bash eng/bench.sh` (or the benchmarks with --prepare) to generate the suite's models.");
        }

        return ModelBundle.ReadDirectoryAsync(directory).GetAwaiter().GetResult();
    }

    /// <summary>Rows <c>[0, count)</c> as an array of arrays (for single-row benchmarks).</summary>
    public static float[][] Split(float[] rows, int count, int features)
    {
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            result[i] = rows.AsSpan(i * features, features).ToArray();
        }

        return result;
    }
}

/// <summary>One XGBoost model of the suite: its bundle, its ONNX conversion and its timing rows (read on first use).</summary>
internal sealed class XgbSuiteModel
{
    private readonly Lazy<float[]> _rows;

    public XgbSuiteModel(XgbModelFiles files)
    {
        Files = files;
        Bundle = SuiteModels.ReadBundle(files.Bundle);
        Onnx = File.ReadAllBytes(files.Onnx);
        _rows = new(() => BenchWork.ReadFloats(files.Rows));
    }

    public XgbModelFiles Files { get; }

    public string Name => Files.Name;

    public int Features => Files.Features;

    public ModelBundle Bundle { get; }

    public byte[] Onnx { get; }

    /// <summary>The timing rows (raw features: the model has no scaler), row-major.</summary>
    public float[] Rows => _rows.Value;

    public int RowCount => Rows.Length / Features;

    /// <summary>xgboost's predict_proba of the first <paramref name="count"/> rows (at most what the script wrote).</summary>
    public float[] Expected(int count = int.MaxValue) => BenchWork.ReadFloats(Files.Expected, count);
}
