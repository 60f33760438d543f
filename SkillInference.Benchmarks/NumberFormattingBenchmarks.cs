using System.Globalization;
using BenchmarkDotNet.Attributes;
using SkillInference.Serialization;

namespace SkillInference.Benchmarks;

/// <summary>
/// Writing a score as JSON text: the runtime's shortest round-trip formatting against <see cref="ShortestDouble"/>, on
/// 4,096 scores as the kernel makes them (float32 probabilities widened to double, 17 significant digits mostly).
/// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*NumberFormatting*'
/// </summary>
[MemoryDiagnoser]
public class NumberFormattingBenchmarks
{
    private const int Count = 4096;
    private readonly byte[] _buffer = new byte[64];
    private double[] _scores = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
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
}
