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
    public void TryFormat_EveryShortDecimal_TakesTheShortPath()
    {
        // Up to six decimals, from 1e-4 up to 1e9: never declined (the quick test that turns away doubles written in full
        // must let each of these through), and written as the runtime writes it.
        Gen.Select(Gen.Long[1, 999_999_999_999_999], Gen.Int[0, 6], Gen.Bool).Sample((m, k, negative) =>
        {
            var value = (negative ? -m : m) / Math.Pow(10, k);
            if (Math.Abs(value) < 1e-4 || Math.Abs(value) >= 1e9)
            {
                return;
            }

            var written = 0;
            AssertSameOrDeclined(value, ref written);
            Assert.AreEqual(1, written, $"{value:R} was declined");
        }, iter: 300_000, threads: 1);
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

    /// <summary>
    /// <paramref name="text"/> must be read whole as the double the runtime reads, unless it is a whole number above 2^53
    /// (left to the general parser).
    /// </summary>
    private static void AssertReadsAsTheRuntime(string text)
    {
        var (read, length, value) = Parse(text);
        var expected = double.Parse(text, CultureInfo.InvariantCulture);
        if (!text.Contains('.', StringComparison.Ordinal) && Math.Abs(expected) > 9007199254740992.0)
        {
            Assert.IsFalse(read, text);
            return;
        }

        Assert.IsTrue(read, text);
        Assert.AreEqual(text.Length, length, text);
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value), text);
    }

    /// <summary>The digits of <paramref name="digits"/> with <paramref name="decimals"/> of them after the point (zeros added after "0." as needed).</summary>
    private static string Decimal(ulong digits, int decimals, bool negative)
    {
        var text = digits.ToString(CultureInfo.InvariantCulture);
        if (decimals > 0)
        {
            text = text.Length > decimals ? text[..^decimals] + "." + text[^decimals..] : "0." + new string('0', decimals - text.Length) + text;
        }

        return (negative ? "-" : "") + text;
    }

    [TestMethod]
    public void TryParse_Decimals_ReadsTheDoubleTheRuntimeReads()
    {
        // Every digit count up to the limit (19), the point anywhere up to 22 decimals, either sign, zeros after the
        // point: below 2^53 one division, above it the Eisel–Lemire product.
        Gen.Select(Gen.Int[1, 19], Gen.Int[0, 22], Gen.Bool, Gen.ULong).Sample((count, decimals, negative, bits) =>
        {
            var digits = count == 19 ? bits % 10_000_000_000_000_000_000UL : bits % (ulong)Math.Pow(10, count);
            AssertReadsAsTheRuntime(Decimal(digits, decimals, negative));
        }, iter: 400_000, threads: 1);
    }

    [TestMethod]
    public void TryParse_DoublesWrittenInFull_ReadsEachBackExactly()
    {
        // What clients send: a double (often a float widened) in its shortest round-trip text, up to 17 digits.
        var read = 0;
        void Check(double value)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            if (text.Contains('E', StringComparison.Ordinal) || !double.IsFinite(value))
            {
                return;
            }

            AssertReadsAsTheRuntime(text);
            if (Parse(text).Read)
            {
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(Parse(text).Value), text);
                read++;
            }
        }

        Gen.Float.Sample(f => Check(f), iter: 200_000, threads: 1);
        Gen.Double[-1e6, 1e6].Sample(Check, iter: 200_000, threads: 1);
        Gen.Double[-1e-3, 1e-3].Sample(Check, iter: 100_000, threads: 1);
        Assert.IsGreaterThan(250_000, read, "doubles written in full take the fast path");
    }

    [TestMethod]
    public void TryParse_ExactTiesAndTheirNeighbours_RoundsAsTheRuntime()
    {
        // m / 10^k exactly halfway between two doubles: m = odd × 5^k × 2^t with a 54-bit odd, which fits in 19 digits
        // only for k ≤ 4; round half to even. And the digits either side of each tie, which must not round as one.
        var ties = 0;
        Gen.Select(Gen.Int[1, 4], Gen.Int[0, 4], Gen.ULong[1UL << 52, (1UL << 53) - 1]).Sample((decimals, twos, half) =>
        {
            var odd = (2 * half) + 1;
            var m = new System.Numerics.BigInteger(odd) * System.Numerics.BigInteger.Pow(5, decimals) * (System.Numerics.BigInteger.One << Math.Min(twos, decimals));
            if (m >= new System.Numerics.BigInteger(10_000_000_000_000_000_000UL))
            {
                return;
            }

            var digits = (ulong)m;
            ties++;
            foreach (var neighbour in new[] { digits - 1, digits, digits + 1 })
            {
                AssertReadsAsTheRuntime(Decimal(neighbour, decimals, negative: false));
            }
        }, iter: 100_000, threads: 1);
        Assert.IsGreaterThan(10_000, ties);
    }

    [TestMethod]
    public void NegativePow5_IsFastFloatsTable()
    {
        // ⌊2^(b + 127) / 5^k⌋ + 1 with b the bits of 5^k: recomputed here with big integers.
        for (var k = 1; k <= 22; k++)
        {
            var power = System.Numerics.BigInteger.Pow(5, k);
            var bits = (int)power.GetBitLength();
            var expected = (System.Numerics.BigInteger.One << (bits + 127)) / power + 1;
            var actual = (new System.Numerics.BigInteger(ShortDecimal.NegativePow5[2 * k]) << 64) + ShortDecimal.NegativePow5[(2 * k) + 1];
            Assert.AreEqual(expected, actual, $"5^-{k}");
        }
    }

    [TestMethod]
    [DataRow("0.1", 0.1, 3)]
    [DataRow("-0", -0.0, 2)]
    [DataRow("-0.0", -0.0, 4)]
    [DataRow("9.53", 9.53, 4)]
    [DataRow("63", 63.0, 2)]
    [DataRow("999999999999999", 999999999999999.0, 15)]
    [DataRow("0.30000000000001", 0.30000000000001, 16)]
    [DataRow("1.8845211267471313", 1.8845211267471313, 18)]
    [DataRow("-0.0479154996573925", -0.0479154996573925, 19)]
    [DataRow("9007199254740992", 9007199254740992.0, 16)]
    [DataRow("1234567890.123456789", 1234567890.123456789, 20)]
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
    [DataRow("12345678901234567890")]
    [DataRow("18446744073709551616")]
    [DataRow("0.12345678901234567890")]
    [DataRow("0.00000000000000000000001")]
    [DataRow("9007199254740993")]
    [DataRow("NaN")]
    [DataRow("Infinity")]
    [DataRow(" 1")]
    public void TryParse_NotAShortDecimal_LeavesItToTheGeneralParser(string text) =>
        Assert.IsFalse(Parse(text).Read, text);
}
