using System.Globalization;
using System.Text;
using CsCheck;
using SkillInference.Serialization;

namespace SkillInference.Tests.Core.Serialization;

[TestClass]
public sealed class ShortDecimalTests
{
    /// <summary>What the runtime writes for a double: the reference the short path must match byte for byte.</summary>
    private static string Runtime(double value)
    {
        Span<byte> bytes = stackalloc byte[64];
        value.TryFormat(bytes, out var n, default, CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetString(bytes[..n]);
    }

    private static void AssertSameOrDeclined(double value, ref int written)
    {
        Span<byte> bytes = stackalloc byte[64];
        var n = ShortDecimal.TryFormat(value, bytes);
        if (n > 0)
        {
            Assert.AreEqual(Runtime(value), Encoding.ASCII.GetString(bytes[..n]), $"bits {BitConverter.DoubleToInt64Bits(value):x16}");
            written++;
        }
    }

    [TestMethod]
    public void TryFormat_ShortDecimals_WritesWhatTheRuntimeWrites()
    {
        var written = 0;
        Gen.Select(Gen.Long[-999_999_999_999, 999_999_999_999], Gen.Int[0, 8]).Sample((m, k) =>
        {
            var value = m / Math.Pow(10, k);
            AssertSameOrDeclined(value, ref written);
        }, iter: 100_000, threads: 1);

        Assert.IsGreaterThan(60_000, written, "most short decimals take the short path");
    }

    [TestMethod]
    public void TryFormat_AnyDouble_WritesWhatTheRuntimeWritesOrDeclines()
    {
        var written = 0;
        Gen.Double.Sample(value => AssertSameOrDeclined(value, ref written), iter: 100_000, threads: 1);
        Gen.Float.Sample(value => AssertSameOrDeclined(value, ref written), iter: 100_000, threads: 1);
        Gen.Double[-2e15, 2e15].Sample(value => AssertSameOrDeclined(value, ref written), iter: 100_000, threads: 1);
        foreach (var value in new[] { 0.0, -0.0, 1e-4, 1e-5, 9.99e-5, 0.1 + 0.2, 1.0 / 3, 1e15, 1e15 - 1, 999999999999999.9, 1e14, 123456.789, -7.25e2, 0.5, 2.5e-3, 9.53, 63, 4503599627370496.5, 9007199254740993 })
        {
            AssertSameOrDeclined(value, ref written);
        }
    }
}
