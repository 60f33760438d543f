namespace SkillInference.Benchmarks;

/// <summary>
/// How this process's code was compiled: eng/bench.sh runs the batch-into-PostgreSQL measurements from a
/// self-contained composite ReadyToRun publish of this program (as the host image, deploy/publish-host.sh, runs the
/// worker), so that a run's first minutes are not spent in the JIT; <c>dotnet run</c> runs the JIT build.
/// </summary>
internal static class CodeKind
{
    /// <summary>True when the program runs from a composite ReadyToRun publish (its composite image lies beside it).</summary>
    public static bool Composite => File.Exists(Path.Combine(AppContext.BaseDirectory, "SkillInference.Benchmarks.r2r.dll"));

    /// <summary>A few words for RESULTS.md.</summary>
    public static string Describe() => Composite
        ? "self-contained, composite ReadyToRun (as the host image runs the worker)"
        : "JIT (a framework-dependent build, nothing precompiled but the runtime)";
}
