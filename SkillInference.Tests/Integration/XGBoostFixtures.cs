using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>Real XGBoost models trained by Debian's xgboost, generated once per test run by tools/tests/make_xgboost_fixtures.py.</summary>
public static class XGBoostFixtures
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _path;

    /// <summary>The configurations the script produces (see its manifest.json).</summary>
    public static IReadOnlyList<string> Configurations { get; } =
    [
        "hist_depth4_scaler_pipeline", "exact_depth6_300trees_base03", "approx_nan_heavy", "dart",
        "no_scaler_booster", "early_stopping", "lossguide_max_leaves", "tiny_values",
    ];

    public static async Task<string> EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_path is null)
            {
                var path = TempDirectory.Create("xgboost-fixtures");
                var (code, stdout, stderr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(5), "tools/tests/make_xgboost_fixtures.py", path);
                if (code != 0)
                {
                    throw new InvalidOperationException($"make_xgboost_fixtures.py failed ({code}). Are python3-xgboost and python3-sklearn installed (eng/test.sh installs them)?\n{stdout}\n{stderr}");
                }

                _path = path;
            }

            return _path;
        }
        finally
        {
            Gate.Release();
        }
    }
}
