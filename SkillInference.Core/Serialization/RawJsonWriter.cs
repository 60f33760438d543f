using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SkillInference.Serialization;

/// <summary>
/// JSON written as UTF-8 bytes straight into an <see cref="IBufferWriter{T}"/>'s memory, a span at a time, for bulk
/// writers whose shape is fixed (the batch response, <c>skillinf predict</c>'s lines): the caller writes the structure
/// as literal bytes and the values through <see cref="Number"/>, <see cref="Integer"/> and <see cref="String"/>, which
/// write what <see cref="Utf8JsonWriter"/> writes for them. Call <see cref="Flush"/> before anything else writes to the
/// output, and at the end.
/// </summary>
internal ref struct RawJsonWriter(IBufferWriter<byte> output, JavaScriptEncoder? encoder = null)
{
    private const int Chunk = 16 * 1024;
    private readonly JavaScriptEncoder _encoder = encoder ?? JavaScriptEncoder.Default;
    private readonly bool _relaxed = encoder == JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private Span<byte> _span;
    private int _written;

    /// <summary>Literal bytes (structure, or text encoded beforehand).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Raw(scoped ReadOnlySpan<byte> bytes)
    {
        if (_span.Length - _written < bytes.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_span[_written..]);
        _written += bytes.Length;
    }

    /// <summary>A finite number: the shortest text that reads back as the same double (what <see cref="Utf8JsonWriter"/> writes).</summary>
    public void Number(double value)
    {
        var destination = NumberRoom(value);
        var n = ShortDecimal.TryFormat(value, destination);
        _written += n > 0 ? n : Shortest(value, destination);
    }

    /// <summary>A number without the short-decimal attempt (for values that are rarely short, such as probabilities).</summary>
    public void LongNumber(double value)
    {
        var destination = NumberRoom(value);
        _written += Shortest(value, destination);
    }

    /// <summary>The shortest round-trip text (<see cref="ShortestDouble"/>); the runtime writes zero.</summary>
    private static int Shortest(double value, Span<byte> destination)
    {
        var n = ShortestDouble.Format(value, destination);
        if (n == 0)
        {
            value.TryFormat(destination, out n, default, CultureInfo.InvariantCulture);
        }

        return n;
    }

    /// <summary>Room for any double's text, after checking that JSON can hold it.</summary>
    private Span<byte> NumberRoom(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON has no NaN or infinity.");
        }

        if (_span.Length - _written < 32)
        {
            Grow(32);
        }

        return _span[_written..];
    }

    public void Integer(long value)
    {
        if (_span.Length - _written < 20)
        {
            Grow(20);
        }

        value.TryFormat(_span[_written..], out var n, default, CultureInfo.InvariantCulture);
        _written += n;
    }

    /// <summary>A string value, quoted and escaped as the writer's encoder escapes it (plain ASCII is copied as is).</summary>
    public void String(string value)
    {
        if (_span.Length - _written < value.Length + 2)
        {
            Grow(value.Length + 2);
        }

        var span = _span[(_written + 1)..];
        var plain = true;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\' || (!_relaxed && c is '<' or '>' or '&' or '\'' or '+' or '`'))
            {
                plain = false;
                break;
            }

            span[i] = (byte)c;
        }

        if (plain)
        {
            _span[_written] = (byte)'"';
            _span[_written + 1 + value.Length] = (byte)'"';
            _written += value.Length + 2;
            return;
        }

        Raw("\""u8);
        Raw(JsonEncodedText.Encode(value, _encoder).EncodedUtf8Bytes);
        Raw("\""u8);
    }

    /// <summary>Hands what was written to the output.</summary>
    public void Flush()
    {
        if (_written > 0)
        {
            output.Advance(_written);
        }

        _written = 0;
        _span = default;
    }

    private void Grow(int needed)
    {
        Flush();
        _span = output.GetSpan(Math.Max(needed, Chunk));
    }
}
