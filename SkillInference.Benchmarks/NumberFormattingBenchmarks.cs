using System.Globalization;
using BenchmarkDotNet.Attributes;
using SkillInference.Serialization;

namespace SkillInference.Benchmarks;

/// <summary>
/// Writing a score as JSON text: the runtime's shortest round-trip formatting against <see cref="ShortestDouble"/>, on
/// 4,096 scores as the kernel makes them (float32 probabilities widened to double, 17 significant digits mostly); and,
/// on 4,096 short decimals such as clients send as feature values (0 to 3 decimals), <see cref="ShortDecimal"/> against
/// <see cref="ShortestDouble"/>, which is why <see cref="RawJsonWriter.Number"/> tries the short form first
/// (2026-12-07: 29 ns against 77 ns; Ryu drops those values' trailing digits one at a time).
/// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*NumberFormatting*'
/// </summary>
[MemoryDiagnoser]
public class NumberFormattingBenchmarks
{
    private const int Count = 4096;
    private readonly byte[] _buffer = new byte[64];
    private double[] _scores = [];
    private double[] _features = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _features = [.. Enumerable.Range(0, Count).Select(_ => Math.Round(random.NextDouble() * 100, random.Next(0, 4)))];
        _scores = [.. Enumerable.Range(0, Count).Select(_ => (double)(1 / (1 + MathF.Exp((float)((random.NextDouble() * 12) - 6)))))];
    }

    [Benchmark(Baseline = true, Description = "double.TryFormat (runtime)", OperationsPerInvoke = Count)]
    public int Runtime()
    {
        var total = 0;
        foreach (var score in _scores)
        {
            score.TryFormat(_buffer, out var n, default, CultureInfo.InvariantCulture);
            total += n;
        }

        return total;
    }

    [Benchmark(Description = "ShortestDouble.Format (Ryu)", OperationsPerInvoke = Count)]
    public int Ryu()
    {
        var total = 0;
        foreach (var score in _scores)
        {
            total += ShortestDouble.Format(score, _buffer);
        }

        return total;
    }

    [Benchmark(Description = "feature values: ShortDecimal", OperationsPerInvoke = Count)]
    public int ShortDecimals()
    {
        var total = 0;
        foreach (var value in _features)
        {
            total += ShortDecimal.TryFormat(value, _buffer);
        }

        return total;
    }

    [Benchmark(Description = "feature values: ShortestDouble", OperationsPerInvoke = Count)]
    public int FeaturesRyu()
    {
        var total = 0;
        foreach (var value in _features)
        {
            total += ShortestDouble.Format(value, _buffer);
        }

        return total;
    }
}
