using System.Globalization;

namespace SkillInference.Serialization;

/// <summary>
/// The shortest round-trip text of a double that is a short decimal — at most six decimals, from 1e-4 (below it the
/// runtime writes an exponent) to 1e15, as most feature values clients send are — written far faster than the general
/// shortest-digits algorithm, and byte for byte what <see cref="double.TryFormat(Span{byte}, out int, ReadOnlySpan{char}, IFormatProvider?)"/> writes
/// (a property test compares them). Any other value is left to that method.
/// </summary>
internal static class ShortDecimal
{
    private const int MaxDecimals = 6;
    private static readonly double[] Pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];

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
}
