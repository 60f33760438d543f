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
        var output = new float[count];
        var chunks = (count + chunk - 1) / chunk;
        void Chunk(int c)
        {
            var start = c * chunk;
            var n = Math.Min(chunk, count - start);
            model.PredictBatch(rows.AsSpan(start * features, n * features), output.AsSpan(start, n));
        }

        void Pass()
        {
            if (parallel <= 1)
            {
                for (var c = 0; c < chunks; c++)
                {
                    Chunk(c);
                }
            }
            else
            {
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = parallel }, Chunk);
            }
        }

        Pass();
        var seconds = new List<double>(repeats);
        var cpu = new List<double>(repeats);
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            Pass();
            seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
        }

        var median = Median(seconds);
        var result = new JsonObject
        {
            ["rows"] = count,
            ["chunk"] = chunk,
            ["parallel"] = parallel,
            ["repeats"] = repeats,
            ["median_s"] = median,
            ["min_s"] = seconds.Min(),
            ["cpu_s"] = Median(cpu),
            ["rows_per_s"] = count / median,
        };
        if (expected is not null)
        {
            var checkedRows = Math.Min(count, expected.Length);
            result["checked_rows"] = checkedRows;
            result["exact_rows"] = Enumerable.Range(0, checkedRows).Count(i => output[i] == expected[i]);
        }

        return result;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
