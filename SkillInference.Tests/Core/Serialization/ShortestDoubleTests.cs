using System.Globalization;
using System.Numerics;
using System.Text;
using CsCheck;
using SkillInference.Serialization;

namespace SkillInference.Tests.Core.Serialization;

/// <summary>
/// <see cref="ShortestDouble"/> against the runtime's own shortest round-trip formatting, byte for byte, on every kind of
/// double: random bit patterns (every exponent, subnormals), probabilities and widened floats (what scores are), powers
/// of ten and two with their neighbours (where rounding intervals end exactly on a decimal), and the extremes.
/// </summary>
[TestClass]
public sealed class ShortestDoubleTests
{
    private static string Runtime(double value)
    {
        Span<byte> bytes = stackalloc byte[64];
        Assert.IsTrue(value.TryFormat(bytes, out var n, default, CultureInfo.InvariantCulture));
        return Encoding.ASCII.GetString(bytes[..n]);
    }

    /// <summary>
    /// Ours reads back as the value, and is the runtime's text whenever that reads back too. It does not for some powers
    /// of two (the runtime rounds their lower, narrower half-interval as if it were as wide as the upper one): there
    /// ours must be no longer than the 17 digits that always suffice.
    /// </summary>
    private static void AssertSame(double value)
    {
        Span<byte> bytes = stackalloc byte[ShortestDouble.MaxLength];
        var n = ShortestDouble.Format(value, bytes);
        var ours = Encoding.ASCII.GetString(bytes[..n]);
        var runtime = Runtime(value);
        var bits = $"bits 0x{BitConverter.DoubleToUInt64Bits(value):X16}";
        Assert.AreEqual(value, double.Parse(ours, CultureInfo.InvariantCulture), $"{ours} reads back ({bits})");
        if (double.Parse(runtime, CultureInfo.InvariantCulture) == value)
        {
            Assert.AreEqual(runtime, ours, bits);
        }
        else
        {
            Assert.AreEqual(0UL, BitConverter.DoubleToUInt64Bits(value) & ((1UL << 52) - 1), $"only a power of two: {runtime} ({bits})");
            RuntimeMisreads++;
        }
    }

    private static int RuntimeMisreads { get; set; }

    private static void AssertSameAndNeighbours(double value)
    {
        foreach (var v in new[] { value, Math.BitDecrement(value), Math.BitIncrement(value), -value })
        {
            if (double.IsFinite(v) && v != 0)
            {
                AssertSame(v);
            }
        }
    }

    [TestMethod]
    public void Format_RandomBitPatterns_WritesWhatTheRuntimeWrites()
    {
        Gen.ULong.Select(BitConverter.UInt64BitsToDouble).Where(v => double.IsFinite(v) && v != 0)
            .Sample(AssertSame, iter: 1_000_000, threads: 1);
    }

    [TestMethod]
    public void Format_ProbabilitiesAndWidenedFloats_WritesWhatTheRuntimeWrites()
    {
        // Scores are float32 probabilities widened to double; confidences are computed in double.
        Gen.Double[0, 1].Where(v => v != 0).Sample(AssertSame, iter: 300_000, threads: 1);
        Gen.Float.Where(v => float.IsFinite(v) && v != 0).Sample(v => AssertSame(v), iter: 300_000, threads: 1);
        Gen.Float[-20, 20].Sample(x => AssertSame(1 / (1 + MathF.Exp(-x))), iter: 300_000, threads: 1);
        Gen.Double.Where(v => double.IsFinite(v) && v != 0).Sample(AssertSame, iter: 300_000, threads: 1);
    }

    [TestMethod]
    public void Format_PowersAndTheirNeighbours_WritesWhatTheRuntimeWrites()
    {
        for (var e = -324; e <= 308; e++)
        {
            AssertSameAndNeighbours(double.Parse($"1e{e}", CultureInfo.InvariantCulture));
            AssertSameAndNeighbours(double.Parse($"5e{e}", CultureInfo.InvariantCulture));
            AssertSameAndNeighbours(double.Parse($"9.999999999999999e{e}", CultureInfo.InvariantCulture));
        }

        for (var e = -1074; e <= 1023; e++)
        {
            AssertSameAndNeighbours(Math.ScaleB(1, e));
            AssertSameAndNeighbours(Math.ScaleB(1.5, e));
        }

        for (long i = 1; i < 100_000; i++)
        {
            AssertSame(i);
            AssertSame(i / 1000.0);
        }

        // 2^-955: the runtime writes 4.104536801298376E-289, which reads back as the double above it.
        RuntimeMisreads = 0;
        AssertSame(BitConverter.UInt64BitsToDouble(0x0410000000000000));
        Assert.AreEqual(1, RuntimeMisreads);
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
        Assert.AreEqual("4.1045368012983762E-289", Encoding.ASCII.GetString(text[..ShortestDouble.Format(BitConverter.UInt64BitsToDouble(0x0410000000000000), text)]));
        foreach (var value in new[] { double.Epsilon, double.MaxValue, double.MinValue, 2.2250738585072014E-308, 2.2250738585072009E-308, 9007199254740993, 4503599627370496.5, 1e15, 999999999999999.9, 1e-5, 9.9999e-6, 0.0001, 0.1 + 0.2, 1.0 / 3, 5e-324, 1.7976931348623157E+308 })
        {
            AssertSameAndNeighbours(value);
        }
    }

    [TestMethod]
    public void Format_ZeroOrNotFiniteOrNoRoom_WritesNothing()
    {
        var bytes = new byte[ShortestDouble.MaxLength];
        foreach (var value in new[] { 0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            Assert.AreEqual(0, ShortestDouble.Format(value, bytes), value.ToString(CultureInfo.InvariantCulture));
        }

        Assert.AreEqual(0, ShortestDouble.Format(0.5, bytes.AsSpan(0, ShortestDouble.MaxLength - 1)));
        Assert.IsTrue(bytes.All(b => b == 0), "nothing written");
    }

    [TestMethod]
    public void Tables_AreThePowersOfFiveTheyClaimToBe()
    {
        // The generated tables (tools/codegen/shortest_double_tables.py), recomputed here independently.
        const int bitCount = 125;
        for (var i = 0; i < ShortestDouble.Pow5Split.Length / 2; i++)
        {
            var pow = BigInteger.Pow(5, i);
            var length = (int)pow.GetBitLength();
            var expected = length >= bitCount ? pow >> (length - bitCount) : pow << (bitCount - length);
            Assert.AreEqual(expected, Entry(ShortestDouble.Pow5Split, i), $"5^{i}");
        }

        for (var q = 0; q < ShortestDouble.Pow5InvSplit.Length / 2; q++)
        {
            var pow = BigInteger.Pow(5, q);
            var expected = (BigInteger.One << ((int)pow.GetBitLength() - 1 + bitCount)) / pow + 1;
            Assert.AreEqual(expected, Entry(ShortestDouble.Pow5InvSplit, q), $"5^-{q}");
        }

        Assert.AreEqual(326, ShortestDouble.Pow5Split.Length / 2);
        Assert.AreEqual(342, ShortestDouble.Pow5InvSplit.Length / 2);
    }

    private static BigInteger Entry(ReadOnlySpan<ulong> table, int i) => (new BigInteger(table[(2 * i) + 1]) << 64) | new BigInteger(table[2 * i]);
}
