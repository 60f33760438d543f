using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// The suite's two large models, loaded once per process from the work folder that <c>--prepare</c> filled:
/// "XGB-300x6" (a real XGBoost model, 300 trees × depth 6, and its ONNX conversion) and "FT-300" (ML.NET FastTree,
/// 300 trees × 64 leaves, and ML.NET's own ONNX export of it), with their prepared timing rows.
/// </summary>
internal sealed class SuiteModels
{
    public const int Features = 20;

    /// <summary>Distinct rows the single-row benchmarks cycle through (5 MB of rows: beyond the L2 cache, as in serving).</summary>
    public const int SingleRowCount = 1 << 16;

    private static readonly Lazy<SuiteModels> Instance = new(() => new SuiteModels());
    private readonly Lazy<float[]> _xgbRows = new(() => BenchWork.ReadFloats(BenchWork.XgbRows));
    private readonly Lazy<float[]> _ftRows = new(() => BenchWork.ReadFloats(BenchWork.FtRows));

    private SuiteModels()
    {
        XgbBundle = ReadBundle(BenchWork.XgbBundle);
        FtBundle = ReadBundle(BenchWork.FtBundle);
        XgbOnnx = File.ReadAllBytes(BenchWork.XgbOnnx);
        FtOnnx = File.ReadAllBytes(BenchWork.FtOnnx);
    }

    public static SuiteModels Current => Instance.Value;

    public ModelBundle XgbBundle { get; }

    public ModelBundle FtBundle { get; }

    public byte[] XgbOnnx { get; }

    public byte[] FtOnnx { get; }

    /// <summary>All timing rows for XGB-300x6 (raw features, its prepared input), row-major.</summary>
    public float[] XgbRows => _xgbRows.Value;

    /// <summary>All timing rows prepared for FT-300 (scaled), row-major.</summary>
    public float[] FtRows => _ftRows.Value;

    public int RowCount => XgbRows.Length / Features;

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
