using System.Globalization;
using BenchmarkDotNet.Attributes;
using SkillInference.Serialization;

namespace SkillInference.Benchmarks;

/// <summary>
/// Reading a feature value from a CSV cell as <c>skillinf predict</c> does (Sep hands it over as characters): the
/// runtime's parser and fast_float (csFastFloat, Sep's own parser) against
/// <see cref="ShortDecimal.TryParse(ReadOnlySpan{char}, out int, out double)"/>, on 4,096 cells as the suite's CSV holds
/// them: float32 features in their shortest round-trip text (mostly 7–9 significant digits). Per value.
/// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*CsvNumberParsing*'
/// </summary>
[MemoryDiagnoser]
public class CsvNumberParsingBenchmarks
{
    private const int Count = 4096;
    private string[] _cells = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _cells = [.. Enumerable.Range(0, Count).Select(_ => ((float)((random.NextDouble() * 20) - 5)).ToString("R", CultureInfo.InvariantCulture))];
    }

    [Benchmark(Baseline = true, Description = "double.TryParse (runtime)", OperationsPerInvoke = Count)]
    public double Runtime()
    {
        var total = 0.0;
        foreach (var cell in _cells)
        {
            total += double.TryParse(cell.AsSpan(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
        }

        return total;
    }

    [Benchmark(Description = "csFastFloat (fast_float)", OperationsPerInvoke = Count)]
    public double FastFloat()
    {
        var total = 0.0;
        foreach (var cell in _cells)
        {
            total += csFastFloat.FastDoubleParser.TryParseDouble(cell.AsSpan(), out _, out var value, NumberStyles.Float) ? value : double.NaN;
        }

        return total;
    }

    [Benchmark(Description = "ShortDecimal (characters)", OperationsPerInvoke = Count)]
    public double ShortDecimalChars()
    {
        var total = 0.0;
        foreach (var cell in _cells)
        {
            total += ShortDecimal.TryParse(cell.AsSpan(), out _, out var value) ? value : double.NaN;
        }

        return total;
    }
}
