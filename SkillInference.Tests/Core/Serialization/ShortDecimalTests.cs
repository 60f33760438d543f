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

    /// <summary>Reads <paramref name="text"/> both as bytes and as characters; both must agree.</summary>
    private static (bool Read, int Length, double Value) Parse(string text)
    {
        var asBytes = ShortDecimal.TryParse(Encoding.ASCII.GetBytes(text), out var byteLength, out var byteValue);
        var asChars = ShortDecimal.TryParse(text.AsSpan(), out var length, out var value);
        Assert.AreEqual((asBytes, byteLength, BitConverter.DoubleToInt64Bits(byteValue)), (asChars, length, BitConverter.DoubleToInt64Bits(value)), text);
        return (asChars, length, value);
    }

    [TestMethod]
    public void TryParse_ShortDecimals_ReadsTheDoubleTheRuntimeReads()
    {
        // Every digit count up to the limit, the point anywhere, either sign, leading zeros after the point.
        Gen.Select(Gen.Int[1, 15], Gen.Int[0, 15], Gen.Bool, Gen.ULong).Sample((count, point, negative, bits) =>
        {
            var digits = (bits % (ulong)Math.Pow(10, count)).ToString(CultureInfo.InvariantCulture).PadLeft(count, '0');
            var decimals = Math.Min(point, count - 1);
            var whole = digits[..(count - decimals)].TrimStart('0');
            var text = (negative ? "-" : "") + (whole.Length == 0 ? "0" : whole) + (decimals > 0 ? "." + digits[(count - decimals)..] : "");
            var (read, length, value) = Parse(text);
            Assert.IsTrue(read, text);
            Assert.AreEqual(text.Length, length, text);
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value), text);
        }, iter: 200_000, threads: 1);
    }

    [TestMethod]
    [DataRow("0.1", 0.1, 3)]
    [DataRow("-0", -0.0, 2)]
    [DataRow("-0.0", -0.0, 4)]
    [DataRow("9.53", 9.53, 4)]
    [DataRow("63", 63.0, 2)]
    [DataRow("999999999999999", 999999999999999.0, 15)]
    [DataRow("0.30000000000001", 0.30000000000001, 16)]
    [DataRow("1.5,2", 1.5, 3)]
    [DataRow("7}", 7.0, 1)]
    [DataRow("2.5.3", 2.5, 3)]
    public void TryParse_AShortDecimalBeforeOtherText_ReadsItAndStopsThere(string text, double expected, int expectedLength)
    {
        var (read, length, value) = Parse(text);

        Assert.IsTrue(read);
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
        Assert.AreEqual(expectedLength, length);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("-")]
    [DataRow("+1")]
    [DataRow(".5")]
    [DataRow("1.")]
    [DataRow("01")]
    [DataRow("-00.5")]
    [DataRow("1e5")]
    [DataRow("2.5E-3")]
    [DataRow("1234567890123456")]
    [DataRow("0.123456789012345")]
    [DataRow("NaN")]
    [DataRow("Infinity")]
    [DataRow(" 1")]
    public void TryParse_NotAShortDecimal_LeavesItToTheGeneralParser(string text) =>
        Assert.IsFalse(Parse(text).Read, text);
}
