using System.Globalization;
using System.Numerics;

namespace SkillInference.Serialization;

/// <summary>
/// Short decimals, the text most feature values arrive as, read and written far faster than the general algorithms.
/// Writing: the shortest round-trip text of a double that is a short decimal — at most six decimals, from 1e-4 (below it the
/// runtime writes an exponent) to 1e15 — byte for byte what <see cref="double.TryFormat(Span{byte}, out int, ReadOnlySpan{char}, IFormatProvider?)"/> writes
/// (a property test compares them). Any other value is left to that method.
/// </summary>
internal static class ShortDecimal
{
    private const int MaxDecimals = 6;

    /// <summary>The powers of ten up to the most decimals either direction uses; each is an exact double.</summary>
    private static readonly double[] Pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>Writes <paramref name="value"/> when it is a short decimal; returns the bytes written, or 0 (nothing written).</summary>
    public static int TryFormat(double value, Span<byte> destination)
    {
        var magnitude = Math.Abs(value);
        if (!(magnitude >= 1e-4 && magnitude < 1e15) || destination.Length < 32)
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

    /// <summary>At most this many digits: the digits are then an integer below 2^53, an exact double.</summary>
    private const int MaxParsedDigits = 15;

    /// <summary>
    /// Reads the short decimal at the start of <paramref name="text"/>: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c> (JSON's
    /// grammar without an exponent) with at most 15 digits, not followed by an exponent. Its digits m are an exact double,
    /// and so is 10^k for its k decimals, so the value is the one correctly rounded division m / 10^k: the double the
    /// runtime's and fast_float's parsers give (they take the same path for such text). Returns false for anything else
    /// (more digits, an exponent, a leading zero, a point without a digit after it), which is the general parser's.
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
        uint digit;
        while (i < text.Length && (digit = uint.CreateTruncating(text[i]) - '0') <= 9)
        {
            digits = (digits * 10) + digit;
            i++;
        }

        var whole = i - start;
        if (whole == 0 || (whole > 1 && uint.CreateTruncating(text[start]) == '0'))
        {
            return false;
        }

        var decimals = 0;
        if (i < text.Length && uint.CreateTruncating(text[i]) == '.')
        {
            var point = ++i;
            while (i < text.Length && (digit = uint.CreateTruncating(text[i]) - '0') <= 9)
            {
                digits = (digits * 10) + digit;
                i++;
            }

            decimals = i - point;
            if (decimals == 0)
            {
                return false;
            }
        }

        if (whole + decimals > MaxParsedDigits || (i < text.Length && (uint.CreateTruncating(text[i]) | 0x20) == 'e'))
        {
            return false;
        }

        value = digits / Pow10[decimals];
        value = start == 1 ? -value : value;
        length = i;
        return true;
    }
}
