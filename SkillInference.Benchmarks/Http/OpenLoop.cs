using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SkillInference.Benchmarks.Http;

/// <summary>
/// An open-loop load generator: each action is started at its scheduled time whether or not earlier ones have
/// finished (wrk and other closed-loop tools wait for a response before sending the next request on a connection, so
/// a slow server lowers the offered rate and hides its latency — coordinated omission). The scheduler thread wakes about
/// every millisecond and starts everything due; each action records when it was due and when it really started, so latency
/// can be given both from the send (service time) and from the intended time (including this generator's ≤ ~1-2 ms
/// pacing jitter).
/// </summary>
internal static class OpenLoop
{
    /// <param name="offsets">When each action is due, in seconds from the start, ascending.</param>
    /// <param name="action">Starts action <c>i</c>; receives its due time as a <see cref="Stopwatch"/> timestamp.</param>
    public static async Task<T[]> RunAsync<T>(IReadOnlyList<double> offsets, Func<int, long, Task<T>> action)
    {
        // A dedicated thread sleeping in 1 ms steps paces more tightly than timer callbacks hopping through the thread pool.
        var tasks = new Task<T>[offsets.Count];
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var start = Stopwatch.GetTimestamp();
                var i = 0;
                while (i < offsets.Count)
                {
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    while (i < offsets.Count && offsets[i] <= elapsed)
                    {
                        tasks[i] = action(i, start + (long)(offsets[i] * Stopwatch.Frequency));
                        i++;
                    }

                    if (i < offsets.Count)
                    {
                        var wait = offsets[i] - Stopwatch.GetElapsedTime(start).TotalSeconds;
                        Thread.Sleep(wait > 0.003 ? TimeSpan.FromSeconds(wait - 0.001) : TimeSpan.FromMilliseconds(1));
                    }
                }

                scheduled.SetResult();
            }
            catch (Exception ex)
            {
                scheduled.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop scheduler",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
        await scheduled.Task;
        return await Task.WhenAll(tasks);
    }

    /// <summary>Evenly spaced offsets: <paramref name="rate"/> per second for <paramref name="seconds"/>.</summary>
    public static double[] FixedRate(double rate, double seconds) =>
        [.. Enumerable.Range(0, (int)(rate * seconds)).Select(i => i / rate)];
}

/// <summary>Latency percentiles of a set of durations, in milliseconds.</summary>
internal static class Percentiles
{
    public static JsonObject Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new JsonObject { ["count"] = 0 };
        }

        return new JsonObject
        {
            ["count"] = sorted.Length,
            ["mean"] = sorted.Average(),
            ["p50"] = At(sorted, 0.50),
            ["p90"] = At(sorted, 0.90),
            ["p99"] = At(sorted, 0.99),
            ["p999"] = At(sorted, 0.999),
            ["max"] = sorted[^1],
        };
    }

    private static double At(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
