namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// The suite's work folder (<c>SKILLINF_BENCH_WORK</c>, by default <c>artifacts/bench/work</c> in the repository): the
/// models the suite generates, the timing rows, and every result file. Kept between runs; what is missing is made again.
/// </summary>
internal static class BenchWork
{
    public const string EnvironmentVariable = "SKILLINF_BENCH_WORK";

    /// <summary>Set by <c>eng/bench.sh --short</c>: smaller batches and shorter jobs.</summary>
    public const string ShortVariable = "SKILLINF_BENCH_SHORT";

    public static string Root { get; } = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } p
        ? Path.GetFullPath(p)
        : Path.Combine(RepositoryRoot(), "artifacts", "bench", "work");

    public static bool Short => Environment.GetEnvironmentVariable(ShortVariable) is "1" or "true";

    /// <summary>tools/bench/make_xgboost_model.py's output.</summary>
    public static string Xgb => Path.Combine(Root, "xgb");

    public static string XgbModelJson => Path.Combine(Xgb, "export", "model.json");

    public static string XgbMetadataJson => Path.Combine(Xgb, "export", "metadata.json");

    /// <summary>tools/bench/xgboost_to_onnx.py's output.</summary>
    public static string XgbOnnx => Path.Combine(Xgb, "model.onnx");

    /// <summary>The timing rows: float32 [N, 20], raw features (the XGBoost model's prepared input: it has no scaler).</summary>
    public static string XgbRows => Path.Combine(Xgb, "rows.bin");

    /// <summary>xgboost's predict_proba of the first rows of <see cref="XgbRows"/>.</summary>
    public static string XgbExpected => Path.Combine(Xgb, "expected.bin");

    public static string TrainCsv => Path.Combine(Xgb, "train.csv");

    public static string Models => Path.Combine(Root, "models");

    public static string XgbBundle => Path.Combine(Models, "xgb-300x6");

    public static string FtBundle => Path.Combine(Models, "ft-300");

    public static string FtOnnx => Path.Combine(Models, "ft-300.onnx");

    /// <summary>The timing rows prepared for FT-300 (standard-scaled, NaN kept for the native missing rule).</summary>
    public static string FtRows => Path.Combine(Models, "ft-300-rows.bin");

    public static string Verification => Path.Combine(Models, "verification.json");

    /// <summary>The seven sample models (a file-system store).</summary>
    public static string SampleStore => Path.Combine(Root, "samples", "store");

    public static string Results => Path.Combine(Root, "results");

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SkillInference.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SkillInference.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"The repository root (SkillInference.sln) was not found above {AppContext.BaseDirectory}; set {EnvironmentVariable}.");
    }

    /// <summary>Reads float32 rows written little-endian (numpy's tofile).</summary>
    public static float[] ReadFloats(string path, long maxValues = long.MaxValue)
    {
        using var stream = File.OpenRead(path);
        var count = (int)Math.Min(stream.Length / sizeof(float), maxValues);
        var values = new float[count];
        stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static void WriteFloats(string path, ReadOnlySpan<float> values)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }
}
