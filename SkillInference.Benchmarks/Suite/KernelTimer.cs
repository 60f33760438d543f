using System.Diagnostics;
using System.Text.Json.Nodes;
using SkillInference.Engines;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// Timed passes of the kernel alone that can be taken between a bulk path's own runs (a few before each), so that both
/// are measured under the same load of the machine rather than minutes apart. Warmed up when made.
/// </summary>
internal sealed class KernelTimer
{
    private readonly IScoringModel _model;
    private readonly float[] _rows;
    private readonly int _features;
    private readonly int _count;
    private readonly int _chunk;
    private readonly int _parallel;
    private readonly int _chunks;
    private readonly float[] _output;
    private readonly List<double> _seconds = [];
    private readonly List<double> _cpu = [];
    private int _sittings;

    public KernelTimer(IScoringModel model, float[] rows, int features, int count, int chunk, int parallel)
    {
        (_model, _rows, _features, _count, _chunk, _parallel) = (model, rows, features, count, chunk, parallel);
        _chunks = (count + chunk - 1) / chunk;
        _output = new float[count];
        Pass();
    }

    /// <summary>Times <paramref name="passes"/> more passes over the rows.</summary>
    public void Time(int passes)
    {
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < passes; r++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            Pass();
            _seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            process.Refresh();
            _cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
        }

        _sittings++;
    }

    /// <summary>The passes timed so far: their median, fastest and median CPU time.</summary>
    /// <param name="expected">xgboost's own probabilities of the first rows, to check the kernel scored these rows (exact matches are counted).</param>
    public JsonObject Result(float[]? expected = null)
    {
        var median = KernelTiming.Median(_seconds);
        var result = new JsonObject
        {
            ["rows"] = _count,
            ["chunk"] = _chunk,
            ["parallel"] = _parallel,
            ["repeats"] = _seconds.Count,
            ["sittings"] = _sittings,
            ["median_s"] = median,
            ["min_s"] = _seconds.Min(),
            ["cpu_s"] = KernelTiming.Median(_cpu),
            ["rows_per_s"] = _count / median,
        };
        if (expected is not null)
        {
            var checkedRows = Math.Min(_count, expected.Length);
            result["checked_rows"] = checkedRows;
            result["exact_rows"] = Enumerable.Range(0, checkedRows).Count(i => _output[i] == expected[i]);
        }

        return result;
    }

    private void Chunk(int c)
    {
        var start = c * _chunk;
        var n = Math.Min(_chunk, _count - start);
        _model.PredictBatch(_rows.AsSpan(start * _features, n * _features), _output.AsSpan(start, n));
    }

    private void Pass()
    {
        if (_parallel <= 1)
        {
            for (var c = 0; c < _chunks; c++)
            {
                Chunk(c);
            }
        }
        else
        {
            Parallel.For(0, _chunks, new ParallelOptions { MaxDegreeOfParallelism = _parallel }, Chunk);
        }
    }
}
