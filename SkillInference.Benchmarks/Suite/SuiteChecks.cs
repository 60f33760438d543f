using System.Globalization;

namespace SkillInference.Benchmarks.Suite;

/// <summary>Checks, before timing, that the engines compared score the same model (fails the benchmark loudly if not).</summary>
internal static class SuiteChecks
{
    public const int Rows = 4096;

    /// <summary>Every engine's probability of the first <see cref="Rows"/> rows is within the tolerance of the first engine's.</summary>
    public static void Agree(string model, float[][] rows, params (string Name, Func<int, float> Predict)[] engines)
    {
        var count = Math.Min(Rows, rows.Length);
        var reference = engines[0];
        var expected = Enumerable.Range(0, count).Select(reference.Predict).ToArray();
        foreach (var (name, predict) in engines.Skip(1))
        {
            var got = Enumerable.Range(0, count).Select(predict).ToArray();
            var diff = Preparation.MaxDiff(got, expected);
            if (!(diff <= Preparation.Tolerance))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{model}: {name} differs from {reference.Name} by up to {diff:G3} (tolerance {Preparation.Tolerance:G}); the benchmark would compare different models."));
            }
        }
    }
}
