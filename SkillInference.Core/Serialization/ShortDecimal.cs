using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SkillInference.Serialization;

/// <summary>
/// Short decimals, the text most feature values arrive as, read and written far faster than the general algorithms.
/// Writing: the shortest round-trip text of a double that is a short decimal — at most six decimals, from 1e-4 (below it the
/// runtime writes an exponent) to 1e15 — byte for byte what <see cref="double.TryFormat(Span{byte}, out int, ReadOnlySpan{char}, IFormatProvider?)"/> writes
/// (a property test compares them). Any other value is left to that method. Reading: a decimal without an exponent of
/// up to 19 significant digits and 22 decimals, correctly rounded (see <see cref="TryParse(ReadOnlySpan{byte}, out int, out double)"/>).
/// </summary>
internal static class ShortDecimal
{
    private const int MaxDecimals = 6;

    /// <summary>The powers of ten up to the most decimals either direction uses; each is an exact double.</summary>
    private static readonly double[] Pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Writes <paramref name="value"/> when it is a short decimal; returns the bytes written, or 0 (nothing written).</summary>
    public static int TryFormat(double value, Span<byte> destination)
    {
        var magnitude = Math.Abs(value);
        if (!(magnitude >= 1e-4 && magnitude < 1e15) || destination.Length < 32)
        {
            return 0;
        }

        // A short decimal times 10^6 is an integer but for rounding (a relative error of a few 1e-16); a double written
        // in full (a float widened, a probability) almost never is, and is declined here instead of by seven trials.
        var scaled = magnitude * Pow10[MaxDecimals];
        if (Math.Abs(scaled - Math.Round(scaled)) > scaled * 1e-9)
        {
            return 0;
        }

        // The fewest decimals k for which m / 10^k, m an integer, is this very double: m's digits are then the
        // shortest digits that read back as it (reading "m e-k" rounds the same quotient).
        for (var k = 0; k <= MaxDecimals; k++)
        {
            var m = Math.Round(magnitude * Pow10[k]);
            if (m >= 9007199254740992.0)
            {
                return 0;
            }

            if (m / Pow10[k] != magnitude)
            {
                continue;
            }

            var digits = (long)m;
            var written = 0;
            if (value < 0)
            {
                destination[written++] = (byte)'-';
            }

            Span<byte> text = stackalloc byte[20];
            digits.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
            if (k == 0)
            {
                text[..length].CopyTo(destination[written..]);
                return written + length;
            }

            if (length <= k)
            {
                destination[written++] = (byte)'0';
                destination[written++] = (byte)'.';
                destination.Slice(written, k - length).Fill((byte)'0');
                written += k - length;
                text[..length].CopyTo(destination[written..]);
                return written + length;
            }

            text[..(length - k)].CopyTo(destination[written..]);
            written += length - k;
            destination[written++] = (byte)'.';
            text[(length - k)..length].CopyTo(destination[written..]);
            return written + k;
        }

        return 0;
    }

    /// <summary>At most this many significant digits: their integer m is then below 2^64.</summary>
    private const int MaxSignificantDigits = 19;

    /// <summary>At most this many decimals: 10^22 is the largest power of ten that is an exact double.</summary>
    private const int MaxParsedDecimals = 22;

    /// <summary>
    /// Reads the decimal at the start of <paramref name="text"/>: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c> (JSON's grammar
    /// without an exponent) with at most 19 significant digits and 22 decimals, not followed by an exponent — the text
    /// feature values arrive as, from a short <c>0.25</c> to a double written in full, <c>1.8845211267471313</c>.
    /// With its digits m and k decimals the value is m / 10^k correctly rounded, the double the runtime's and
    /// fast_float's parsers give: one division when m is below 2^53 (both m and 10^k are then exact doubles), otherwise
    /// <see cref="EiselLemire(ulong, int)"/>. Returns false for anything else (more digits, an exponent, a leading zero,
    /// a point without a digit after it, a whole number above 2^53), which is the general parser's.
    /// </summary>
    /// <param name="text">Text that may go on after the number.</param>
    /// <param name="length">The characters read (the rest of the text is not looked at beyond the next one).</param>
    /// <param name="value">The value read; 0 when none is.</param>
    public static bool TryParse(ReadOnlySpan<byte> text, out int length, out double value) => TryParseCore(text, out length, out value);

    /// <inheritdoc cref="TryParse(ReadOnlySpan{byte}, out int, out double)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out int length, out double value) => TryParseCore(text, out length, out value);

    private static bool TryParseCore<T>(ReadOnlySpan<T> text, out int length, out double value)
        where T : unmanaged, IBinaryInteger<T>
    {
        length = 0;
        value = 0;
        var i = text.Length > 0 && uint.CreateTruncating(text[0]) == '-' ? 1 : 0;
        var start = i;
        ulong digits = 0;
        ReadDigits(text, ref i, ref digits);
        var whole = i - start;
        if (whole == 0 || (whole > 1 && uint.CreateTruncating(text[start]) == '0'))
        {
            return false;
        }

        var decimals = 0;
        if (i < text.Length && uint.CreateTruncating(text[i]) == '.')
        {
            var point = ++i;
            ReadDigits(text, ref i, ref digits);

            decimals = i - point;
            if (decimals == 0)
            {
                return false;
            }
        }

        if (decimals > MaxParsedDecimals || (i < text.Length && (uint.CreateTruncating(text[i]) | 0x20) == 'e'))
        {
            return false;
        }

        // Zeros before the first significant digit leave the integer at 0; past 19 significant digits it has wrapped.
        if (whole + decimals > MaxSignificantDigits && whole + decimals - LeadingZeros(text[start..i]) > MaxSignificantDigits)
        {
            return false;
        }

        if (digits <= ExactIntegers)
        {
            value = digits / Pow10[decimals];
        }
        else if (decimals > 0)
        {
            value = EiselLemire(digits, decimals);
        }
        else
        {
            return false;
        }

        value = start == 1 ? -value : value;
        length = i;
        return true;
    }

    /// <summary>
    /// Appends the run of digits at <paramref name="i"/> to <paramref name="digits"/> (wrapping past 19 significant
    /// digits). UTF-8 text is read eight digits at a time while it has eight (SWAR: one 64-bit load, a check that all
    /// eight are digits, three multiplications).
    /// </summary>
    private static void ReadDigits<T>(ReadOnlySpan<T> text, ref int i, ref ulong digits)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (typeof(T) == typeof(byte))
        {
            var bytes = MemoryMarshal.Cast<T, byte>(text);
            while (i <= bytes.Length - 8)
            {
                var chunk = BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]);
                if (((chunk & 0xF0F0F0F0F0F0F0F0) | (((chunk + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) != 0x3333333333333333)
                {
                    break;
                }

                // The first character is the lowest byte: pairs, then fours, then all eight combined.
                chunk -= 0x3030303030303030;
                chunk = (chunk * 10) + (chunk >> 8);
                chunk = (((chunk & 0x000000FF000000FF) * (100 + (1_000_000UL << 32))) + (((chunk >> 16) & 0x000000FF000000FF) * (1 + (10_000UL << 32)))) >> 32;
                digits = (digits * 100_000_000) + (uint)chunk;
                i += 8;
            }
        }

        uint digit;
        while (i < text.Length && (digit = uint.CreateTruncating(text[i]) - '0') <= 9)
        {
            digits = (digits * 10) + digit;
            i++;
        }
    }

    /// <summary>The zeros before the first non-zero digit of a number's digits (the point skipped).</summary>
    private static int LeadingZeros<T>(ReadOnlySpan<T> number)
        where T : unmanaged, IBinaryInteger<T>
    {
        var zeros = 0;
        foreach (var c in number)
        {
            var code = uint.CreateTruncating(c);
            if (code == '0')
            {
                zeros++;
            }
            else if (code != '.')
            {
                break;
            }
        }

        return zeros;
    }

    /// <summary>2^53: every integer up to it is an exact double.</summary>
    private const ulong ExactIntegers = 1UL << 53;

    /// <summary>
    /// m / 10^k correctly rounded, for m above 2^53 (up to 2^64) and 1 ≤ k ≤ 22: the Eisel–Lemire algorithm as fast_float
    /// (Lemire, "Number Parsing at a Gigabyte per Second", 2021) and the runtime's parser run it. m, shifted to fill 64 bits,
    /// is multiplied by a 128-bit approximation of 5^-k; the product's top 55 bits are the double's 53 and two rounding bits.
    /// For exponents this small the product is always exact enough (the second 64-bit half of the power only matters when
    /// the first product's low bits are all ones), and a tie (round half to even) can only happen for k ≤ 4.
    /// </summary>
    private static double EiselLemire(ulong digits, int decimals)
    {
        var zeros = BitOperations.LeadingZeroCount(digits);
        var m = digits << zeros;
        var high = ShortestDouble.MultiplyHigh(m, NegativePow5[2 * decimals], out var low);
        if ((high & 0x1FF) == 0x1FF)
        {
            var carry = ShortestDouble.MultiplyHigh(m, NegativePow5[(2 * decimals) + 1], out _);
            low += carry;
            high += low < carry ? 1UL : 0UL;
        }

        var upper = (int)(high >> 63);
        var shift = upper + 9;
        var mantissa = high >> shift;

        // floor(log2(10^-k)) + 63 for the product's place, from the binary exponent of 5^-k: ((152170 + 65536) × q) >> 16.
        var exponent = (((152170 + 65536) * -decimals) >> 16) + 63 + upper - zeros + 1023;
        if (low <= 1 && decimals <= 4 && (mantissa & 3) == 1 && (mantissa << shift) == high)
        {
            mantissa &= ~1UL; // exactly halfway: round to even (down)
        }

        mantissa += mantissa & 1;
        mantissa >>= 1;
        if (mantissa >= 1UL << 53)
        {
            mantissa = 1UL << 52;
            exponent++;
        }

        return BitConverter.UInt64BitsToDouble((mantissa & ~(1UL << 52)) | ((ulong)exponent << 52));
    }

    /// <summary>
    /// 5^-k for k = 1..22 as 128-bit numbers (high word, low word; entry k at 2k) normalized to a top bit of 1:
    /// ⌊2^(b + 127) / 5^k⌋ + 1, b the bits of 5^k, as fast_float's table holds them; the tests recompute them.
    /// </summary>
    internal static ReadOnlySpan<ulong> NegativePow5 =>
    [
        0, 0,
        0xCCCCCCCCCCCCCCCC, 0xCCCCCCCCCCCCCCCD,
        0xA3D70A3D70A3D70A, 0x3D70A3D70A3D70A4,
        0x83126E978D4FDF3B, 0x645A1CAC083126EA,
        0xD1B71758E219652B, 0xD3C36113404EA4A9,
        0xA7C5AC471B478423, 0x0FCF80DC33721D54,
        0x8637BD05AF6C69B5, 0xA63F9A49C2C1B110,
        0xD6BF94D5E57A42BC, 0x3D32907604691B4D,
        0xABCC77118461CEFC, 0xFDC20D2B36BA7C3E,
        0x89705F4136B4A597, 0x31680A88F8953031,
        0xDBE6FECEBDEDD5BE, 0xB573440E5A884D1C,
        0xAFEBFF0BCB24AAFE, 0xF78F69A51539D749,
        0x8CBCCC096F5088CB, 0xF93F87B7442E45D4,
        0xE12E13424BB40E13, 0x2865A5F206B06FBA,
        0xB424DC35095CD80F, 0x538484C19EF38C95,
        0x901D7CF73AB0ACD9, 0x0F9D37014BF60A11,
        0xE69594BEC44DE15B, 0x4C2EBE687989A9B4,
        0xB877AA3236A4B449, 0x09BEFEB9FAD487C3,
        0x9392EE8E921D5D07, 0x3AFF322E62439FD0,
        0xEC1E4A7DB69561A5, 0x2B31E9E3D06C32E6,
        0xBCE5086492111AEA, 0x88F4BB1CA6BCF585,
        0x971DA05074DA7BEE, 0xD3F6FC16EBCA5E04,
        0xF1C90080BAF72CB1, 0x5324C68B12DD6339,
    ];
}
