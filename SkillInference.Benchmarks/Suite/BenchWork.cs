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

    /// <summary>XGB-300x6: tools/bench/make_xgboost_model.py's output with its default parameters.</summary>
    public static XgbModelFiles Xgb300 { get; } = new("XGB-300x6", "bench_xgboost", 20, Path.Combine(Root, "xgb"));

    /// <summary>XGB-400x8, the deep model: <c>make_xgboost_model.py --trees 400 --depth 8 --features 24</c>.</summary>
    public static XgbModelFiles Xgb400 { get; } = new("XGB-400x8", "bench_xgboost_deep", 24, Path.Combine(Root, "xgb-400x8"));

    /// <summary>The folder of XGB-300x6's files.</summary>
    public static string Xgb => Xgb300.Directory;

    public static string TrainCsv => Path.Combine(Xgb, "train.csv");

    public static string Models => Path.Combine(Root, "models");

    /// <summary>A file-system model store with XGB-300x6 deployed as its only skill (the CLI and worker paths score it).</summary>
    public static string XgbStore => Path.Combine(Models, "xgb-300x6-store");

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

/// <summary>
/// The files of one model made by tools/bench/make_xgboost_model.py (in <paramref name="Directory"/>) and its bundle.
/// </summary>
/// <param name="Name">The suite's name of the model, e.g. XGB-300x6.</param>
/// <param name="Skill">The skill id its bundle serves.</param>
/// <param name="Features">Its feature count (the width of its rows).</param>
/// <param name="Directory">The script's output folder.</param>
internal sealed record XgbModelFiles(string Name, string Skill, int Features, string Directory)
{
    public string ModelJson => Path.Combine(Directory, "export", "model.json");

    public string MetadataJson => Path.Combine(Directory, "export", "metadata.json");

    /// <summary>tools/bench/xgboost_to_onnx.py's output.</summary>
    public string Onnx => Path.Combine(Directory, "model.onnx");

    /// <summary>The timing rows: float32 [N, features], raw features (the model's prepared input: it has no scaler).</summary>
    public string Rows => Path.Combine(Directory, "rows.bin");

    /// <summary>xgboost's predict_proba of the first rows of <see cref="Rows"/>.</summary>
    public string Expected => Path.Combine(Directory, "expected.bin");

    /// <summary>Parameters, versions and tree statistics written by the script.</summary>
    public string Info => Path.Combine(Directory, "info.json");

    /// <summary>The xgboost-json bundle <c>--prepare</c> imports it into.</summary>
    public string Bundle => Path.Combine(BenchWork.Models, Name.ToLowerInvariant());

    public override string ToString() => Name;
}
