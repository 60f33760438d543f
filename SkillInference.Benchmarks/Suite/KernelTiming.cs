using System.Diagnostics;
using System.Text.Json.Nodes;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// The kernel alone (<see cref="IScoringModel.PredictBatch"/> of the compiled model) on the rows a bulk path scores,
/// cut into the chunks that path hands the kernel at once and run <c>parallel</c> chunks at a time, as the path does
/// (the CLI: blocks of 16,384 rows one after another; <c>/infer/batch</c>: requests of 1,000 items, two connections;
/// the worker: shards of 1,000 students, two at a time). Its time is the bulk path's "inside the kernel"; the path's
/// own time minus this is "outside".
/// </summary>
internal static class KernelTiming
{
    /// <summary>One warm-up, then <paramref name="repeats"/> timed passes over the first <paramref name="count"/> rows.</summary>
    /// <param name="expected">xgboost's own probabilities of the first rows, to check the kernel scored these rows (exact matches are counted).</param>
    public static JsonObject Measure(IScoringModel model, float[] rows, int features, int count, int chunk, int parallel, int repeats, float[]? expected = null)
    {
        var timer = new KernelTimer(model, rows, features, count, chunk, parallel);
        timer.Time(repeats);
        return timer.Result(expected);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
