using System.Globalization;
using System.Runtime.CompilerServices;

namespace SkillInference.Serialization;

/// <summary>
/// The shortest text that reads back as the same double, laid out as the runtime's shortest round-trip format ("R")
/// lays it out, three times faster than <see cref="double.TryFormat(Span{byte}, out int, ReadOnlySpan{char}, IFormatProvider?)"/>
/// (40 ns against 125 ns for a score; <c>NumberFormattingBenchmarks</c>). The runtime finds the digits with Grisu3 and
/// formats them through its general number formatter; this finds them with Ulf Adams' Ryu (PLDI 2018: one 128-bit
/// multiplication each for the value and the two ends of its rounding interval, then dropping digits while the
/// interval allows). Scores and confidences, which every response carries, take 17 digits, the runtime's slowest case.
/// A property test compares the two on millions of doubles: the text is the runtime's byte for byte, except for some
/// powers of two where the runtime's text does not read back as the value (it takes the narrower half-interval below
/// a power of two to be as wide as the one above), and this one does.
/// </summary>
internal static partial class ShortestDouble
{
    private const int MantissaBits = 52;
    private const int ExponentBias = 1023;
    private const int Pow5InvBitCount = 125;
    private const int Pow5BitCount = 125;

    /// <summary>The most bytes <see cref="Format"/> writes ("-2.2250738585072014E-308").</summary>
    public const int MaxLength = 24;

    /// <summary>
    /// Writes <paramref name="value"/>, a finite double other than zero, into <paramref name="destination"/> (at least
    /// <see cref="MaxLength"/> bytes); returns the bytes written, or 0 for zero and non-finite values (nothing written).
    /// </summary>
    public static int Format(double value, Span<byte> destination)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        var ieeeExponent = (int)((bits >> MantissaBits) & 0x7FF);
        if (ieeeExponent == 0x7FF || (ieeeExponent == 0 && ieeeMantissa == 0) || destination.Length < MaxLength)
        {
            return 0;
        }

        var (digits, exponent) = ShortestDigits(ieeeMantissa, ieeeExponent);
        var written = 0;
        if ((long)bits < 0)
        {
            destination[written++] = (byte)'-';
        }

        return written + Layout(digits, exponent, destination[written..]);
    }

    /// <summary>The shortest decimal digits d and exponent e with d × 10^e inside the double's rounding interval (Ryu).</summary>
    private static (ulong Digits, int Exponent) ShortestDigits(ulong ieeeMantissa, int ieeeExponent)
    {
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }

        // Round half to even, as a reader does: the ends of the interval belong to it when the significand is even.
        var acceptBounds = (m2 & 1) == 0;

        // The value and the two ends of its rounding interval, times four so that the ends are integers.
        var mv = 4 * m2;
        var mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        // The three numbers times 10^-e10, computed with one 128-bit power of five each.
        ulong vr, vp, vm;
        int e10;
        var vmIsTrailingZeros = false;
        var vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            var q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            var k = Pow5InvBitCount + Pow5Bits(q) - 1;
            var i = -e2 + q + k;
            (vr, vp, vm) = MulShiftAll(m2, Pow5InvSplit.Slice(2 * q, 2), i, mmShift);
            if (q <= 21)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else
                {
                    vp -= MultipleOfPowerOf5(mv + 2, q) ? 1UL : 0UL;
                }
            }
        }
        else
        {
            var q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            var i = -e2 - q;
            var k = Pow5Bits(i) - Pow5BitCount;
            var j = q - k;
            (vr, vp, vm) = MulShiftAll(m2, Pow5Split.Slice(2 * i, 2), j, mmShift);
            if (q <= 1)
            {
                // mv has at least q trailing zero bits (it is a multiple of 4, and q <= 1).
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = MultipleOfPowerOf2(mv, q);
            }
        }

        // Drop digits while the interval still holds a shorter number, keeping the last dropped one for rounding.
        var removed = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            var lastRemovedDigit = 0UL;
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vr % 10;
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }

            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                // Exactly halfway: round to even.
                lastRemovedDigit = 4;
            }

            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // The common case: no end of the interval is exact, so only the last dropped digit decides the rounding.
            var roundUp = false;
            if (vp / 100 > vm / 100)
            {
                roundUp = vr % 100 >= 50;
                vr /= 100;
                vp /= 100;
                vm /= 100;
                removed += 2;
            }

            while (vp / 10 > vm / 10)
            {
                roundUp = vr % 10 >= 5;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }

        return (output, e10 + removed);
    }

    /// <summary>
    /// Lays out digits × 10^exponent as the runtime's shortest ("R") format does: plain decimals while the decimal
    /// point falls between 10^-4 and 10^17 (1E-05 and 1E+17 are the first values written with an exponent), otherwise one digit, the rest after a point, and E±dd.
    /// </summary>
    private static int Layout(ulong digits, int exponent, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[20];
        digits.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
        var significant = text[..length];

        // The runtime's "scale": the value is 0.d1d2d3… × 10^scale.
        var scale = exponent + length;
        var written = 0;
        if (scale > 17 || scale < -3)
        {
            destination[written++] = significant[0];
            if (length > 1)
            {
                destination[written++] = (byte)'.';
                significant[1..].CopyTo(destination[written..]);
                written += length - 1;
            }

            destination[written++] = (byte)'E';
            var e = scale - 1;
            destination[written++] = e < 0 ? (byte)'-' : (byte)'+';
            e = Math.Abs(e);
            if (e >= 100)
            {
                destination[written++] = (byte)('0' + (e / 100));
                e %= 100;
            }

            destination[written++] = (byte)('0' + (e / 10));
            destination[written++] = (byte)('0' + (e % 10));
            return written;
        }

        if (scale <= 0)
        {
            destination[written++] = (byte)'0';
            destination[written++] = (byte)'.';
            destination.Slice(written, -scale).Fill((byte)'0');
            written += -scale;
            significant.CopyTo(destination[written..]);
            return written + length;
        }

        if (scale >= length)
        {
            significant.CopyTo(destination);
            destination.Slice(length, scale - length).Fill((byte)'0');
            return scale;
        }

        significant[..scale].CopyTo(destination);
        destination[scale] = (byte)'.';
        significant[scale..].CopyTo(destination[(scale + 1)..]);
        return length + 1;
    }

    /// <summary>(4m, 4m + 2, 4m - 1 - mmShift) × the 125-bit multiplier, shifted right by <paramref name="shift"/>.</summary>
    private static (ulong Vr, ulong Vp, ulong Vm) MulShiftAll(ulong m, ReadOnlySpan<ulong> multiplier, int shift, uint mmShift)
    {
        var (high, low) = (multiplier[1], multiplier[0]);
        return (MulShift(4 * m, high, low, shift), MulShift((4 * m) + 2, high, low, shift), MulShift((4 * m) - 1 - mmShift, high, low, shift));
    }

    /// <summary>
    /// (m × mul) >> shift for a 64-bit m, a 125-bit mul (<paramref name="high"/>:<paramref name="low"/>) and a shift of
    /// 64 to 127: the product's bits 64 and up. Plain 64-bit arithmetic: with <see cref="UInt128"/> or
    /// <see cref="Math.BigMul(ulong, ulong, out ulong)"/> (which looks for BMI2) ReadyToRun leaves this method out, and
    /// the runtime JITs it at start-up and runs it unoptimized first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShift(ulong m, ulong high, ulong low, int shift)
    {
        var carried = MultiplyHigh(m, low, out _);
        var top = MultiplyHigh(m, high, out var middle);
        middle += carried;
        top += middle < carried ? 1UL : 0UL;
        var s = shift - 64;
        return (middle >> s) | ((top << 1) << (63 - s));
    }

    /// <summary>The high 64 bits of a × b, and the low 64 in <paramref name="low"/>, from four 32-bit products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MultiplyHigh(ulong a, ulong b, out ulong low)
    {
        ulong aLow = (uint)a, aHigh = a >> 32, bLow = (uint)b, bHigh = b >> 32;
        var lowLow = aLow * bLow;
        var lowHigh = aLow * bHigh;
        var highLow = aHigh * bLow;
        var middle = (lowLow >> 32) + (uint)lowHigh + (uint)highLow;
        low = (middle << 32) | (uint)lowLow;
        return (aHigh * bHigh) + (lowHigh >> 32) + (highLow >> 32) + (middle >> 32);
    }

    /// <summary>⌈log2 5^e⌉ (1 for e = 0), exact for 0 ≤ e ≤ 3528.</summary>
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    /// <summary>⌊log10 2^e⌋, exact for 0 ≤ e ≤ 1650.</summary>
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>⌊log10 5^e⌋, exact for 0 ≤ e ≤ 2620.</summary>
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        var count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            count++;
        }

        return count >= p;
    }

    private static bool MultipleOfPowerOf2(ulong value, int p) => (value & ((1UL << p) - 1)) == 0;
}
