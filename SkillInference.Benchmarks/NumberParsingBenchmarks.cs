using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using SkillInference.Serialization;

namespace SkillInference.Benchmarks;

/// <summary>
/// Reading a feature value from a JSON body: the runtime's parser and fast_float (csFastFloat, which <c>/infer/batch</c>
/// fell back to) against <see cref="ShortDecimal.TryParse(ReadOnlySpan{byte}, out int, out double)"/>, on 4,096 values
/// as clients write them: float32 features widened to double and written in full (shortest round-trip text, mostly 16–17
/// significant digits, as System.Text.Json and Python's json write them). Per value.
/// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*NumberParsing*'
/// </summary>
[MemoryDiagnoser]
public class NumberParsingBenchmarks
{
    private const int Count = 4096;
    private byte[][] _texts = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _texts = [.. Enumerable.Range(0, Count).Select(_ => Encoding.ASCII.GetBytes(((double)(float)((random.NextDouble() * 20) - 5)).ToString("R", CultureInfo.InvariantCulture)))];
    }

    [Benchmark(Baseline = true, Description = "double.TryParse (runtime)", OperationsPerInvoke = Count)]
    public double Runtime()
    {
        var total = 0.0;
        foreach (var text in _texts)
        {
            total += double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
        }

        return total;
    }

    [Benchmark(Description = "csFastFloat (fast_float)", OperationsPerInvoke = Count)]
    public double FastFloat()
    {
        var total = 0.0;
        foreach (var text in _texts)
        {
            total += csFastFloat.FastDoubleParser.TryParseDouble(text, out _, out var value, NumberStyles.Float) ? value : double.NaN;
        }

        return total;
    }

    [Benchmark(Description = "ShortDecimal (one pass, Eisel-Lemire above 2^53)", OperationsPerInvoke = Count)]
    public double OnePass()
    {
        var total = 0.0;
        foreach (var text in _texts)
        {
            total += ShortDecimal.TryParse(text, out _, out var value) ? value : double.NaN;
        }

        return total;
    }
}
