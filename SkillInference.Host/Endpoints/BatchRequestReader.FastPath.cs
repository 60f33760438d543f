using System.Text;
using System.Text.Unicode;
using SkillInference.Serialization;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// The fast path of <see cref="BatchRequestReader"/>: the contract's common shape read straight from the bytes, without
/// <see cref="System.Text.Json.Utf8JsonReader"/>'s general state machine. It takes only what it can read exactly as the
/// full reader would — strict JSON, strings without escapes or control characters in valid UTF-8, numbers in JSON's
/// grammar, only the contract's properties, every item complete and within the limits — and declines anything else
/// (an error, a repeated property, an escape, an unknown property, a null item or value where the contract allows one
/// but it is rare, a limit reached), so the full reader reads that body from the start and says what is wrong with it.
/// A test checks that both readers agree on generated bodies, valid and broken.
/// </summary>
internal sealed partial class BatchRequestReader
{
    /// <summary>What fast_float may read of a number: a sign, a decimal point, an exponent; no white space, no thousands.</summary>
    private const System.Globalization.NumberStyles NumberStyles =
        System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint | System.Globalization.NumberStyles.AllowExponent;

    /// <summary>Reads the whole body on the fast path; false when the body needs the full reader.</summary>
    private bool TryReadFast(ReadOnlySpan<byte> json)
    {
        var p = 0;
        if (!SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)'{') || !SkipWhitespace(json, ref p) || !ReadString(json, ref p, out var name) || !name.SequenceEqual("items"u8)
            || !SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)':') || !SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)'['))
        {
            return false;
        }

        if (!SkipWhitespace(json, ref p))
        {
            return false;
        }

        if (json[p] == ']')
        {
            p++;
        }
        else
        {
            bool more;
            do
            {
                if (_count == _maxItems || !TryReadItemFast(json, ref p) || !Separator(json, ref p, (byte)']', out more))
                {
                    return false;
                }
            }
            while (more);
        }

        if (!SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)'}'))
        {
            return false;
        }

        // Only whitespace may follow the root object.
        while (p < json.Length && IsWhitespace(json[p]))
        {
            p++;
        }

        return p == json.Length;
    }

    private bool TryReadItemFast(ReadOnlySpan<byte> json, ref int p)
    {
        if (json[p] != '{')
        {
            return false;
        }

        p++;
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var start = _pairs;
        string? skill = null;
        string? studentId = null;
        bool explain = false, sawSkill = false, sawStudent = false, sawExplain = false, sawFeatures = false;
        var featureCount = 0;
        while (true)
        {
            if (!SkipWhitespace(json, ref p) || !ReadString(json, ref p, out var name) || !SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)':') || !SkipWhitespace(json, ref p))
            {
                return false;
            }

            if (name.SequenceEqual("skill"u8))
            {
                if (sawSkill || !ReadString(json, ref p, out var value))
                {
                    return false;
                }

                sawSkill = true;
                skill = InternSkillUtf8(value);
            }
            else if (name.SequenceEqual("features"u8))
            {
                if (sawFeatures || !TryReadFeaturesFast(json, ref p, _count, skill, out featureCount))
                {
                    return false;
                }

                sawFeatures = true;
            }
            else if (name.SequenceEqual("studentId"u8))
            {
                if (sawStudent || !ReadString(json, ref p, out var value))
                {
                    return false;
                }

                sawStudent = true;
                studentId = Encoding.UTF8.GetString(value);
            }
            else if (name.SequenceEqual("explain"u8))
            {
                if (sawExplain)
                {
                    return false;
                }

                sawExplain = true;
                if (json[p..].StartsWith("true"u8))
                {
                    explain = true;
                    p += 4;
                    if (++_explanations > _maxExplanations)
                    {
                        return false;
                    }
                }
                else if (json[p..].StartsWith("false"u8))
                {
                    p += 5;
                }
                else
                {
                    return false;
                }
            }
            else
            {
                return false;
            }

            if (!Separator(json, ref p, (byte)'}', out var more))
            {
                return false;
            }

            if (!more)
            {
                break;
            }
        }

        // What would make the item an error is the full reader's to report.
        if (string.IsNullOrWhiteSpace(skill) || !sawFeatures || featureCount > MaxFeaturesPerItem || studentId is { Length: > MaxStudentIdLength or 0 })
        {
            return false;
        }

        _items[_count] = new Item { Skill = skill, StudentId = studentId, Explain = explain, PairStart = start, PairCount = _pairs - start };
        _count++;
        return true;
    }

    private bool TryReadFeaturesFast(ReadOnlySpan<byte> json, ref int p, int index, string? skill, out int count)
    {
        count = 0;
        if (json[p] != '{')
        {
            return false;
        }

        p++;
        if (!SkipWhitespace(json, ref p))
        {
            return false;
        }

        if (json[p] == '}')
        {
            p++;
            return true;
        }

        var stamp = index + 1;
        var transitions = TransitionsOf(skill);
        var previous = -1;
        while (true)
        {
            // Items of a skill list their features in the same order: the predicted name is compared with its quotes
            // as the body holds it (a name that needs no escape), which is the string ReadString would read.
            var predicted = transitions.After(previous);
            int column;
            if (predicted >= 0 && _columnQuoted[predicted] is { } quoted && json[p..].StartsWith(quoted))
            {
                column = predicted;
                p += quoted.Length;
            }
            else if (ReadString(json, ref p, out var name))
            {
                column = InternColumn(Decode(name));
            }
            else
            {
                return false;
            }

            if (!SkipWhitespace(json, ref p) || !Expect(json, ref p, (byte)':') || !SkipWhitespace(json, ref p))
            {
                return false;
            }

            transitions.Learn(previous, column);
            previous = column;
            double value;
            if (json[p] == 'n')
            {
                if (!json[p..].StartsWith("null"u8))
                {
                    return false;
                }

                p += 4;
                value = double.NaN;
            }
            else if (!ReadNumber(json, ref p, out value))
            {
                return false;
            }

            if (++count > MaxFeaturesPerItem || _seen[column] == stamp)
            {
                return false;
            }

            _seen[column] = stamp;
            AddPair(column, value);
            if (!Separator(json, ref p, (byte)'}', out var more))
            {
                return false;
            }

            if (!more)
            {
                return true;
            }
        }
    }

    /// <summary>UTF-8 bytes (already checked valid) as characters, in the reader's buffer.</summary>
    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> utf8)
    {
        if (_chars.Length < utf8.Length)
        {
            _chars = new char[Math.Max(utf8.Length, _chars.Length * 2)];
        }

        var written = Encoding.UTF8.GetChars(utf8, _chars);
        return _chars.AsSpan(0, written);
    }

    /// <summary>A string without escapes or control characters, in valid UTF-8; its content (without quotes).</summary>
    private static bool ReadString(ReadOnlySpan<byte> json, ref int p, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (p >= json.Length || json[p] != '"')
        {
            return false;
        }

        var rest = json[(p + 1)..];
        var end = rest.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || rest[end] != '"')
        {
            return false;
        }

        value = rest[..end];
        if (value.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || (!System.Text.Ascii.IsValid(value) && !Utf8.IsValid(value)))
        {
            return false;
        }

        p += end + 2;
        return true;
    }

    /// <summary>A number in JSON's grammar (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>) that is a finite double.</summary>
    /// <remarks>
    /// A decimal without an exponent of up to 19 significant digits (feature values, whether written short or as a double in
    /// full) is read in one pass by <see cref="ShortDecimal.TryParse(ReadOnlySpan{byte}, out int, out double)"/>.
    /// Otherwise, one pass: fast_float reads the longest number it can (correctly rounded, as Utf8JsonReader.TryGetDouble's parser
    /// is; the test of both paths compares them) with signs, decimal point and exponent allowed but no white space, and
    /// what it accepts beyond JSON's grammar is then ruled out on the few bytes where it can show: a leading <c>+</c> or
    /// <c>.</c>, a leading zero before a digit, a point without a digit after it. An exponent without digits is not
    /// consumed, so the byte after the number is not a separator and the body goes to the full reader, as it does for
    /// anything else left over (<c>1.5.3</c>).
    /// </remarks>
    private static bool ReadNumber(ReadOnlySpan<byte> json, ref int p, out double value)
    {
        var rest = json[p..];
        if (ShortDecimal.TryParse(rest, out var length, out value))
        {
            p += length;
            return true;
        }

        if (!csFastFloat.FastDoubleParser.TryParseDouble(rest, out var consumed, out value, NumberStyles) || !double.IsFinite(value))
        {
            return false;
        }

        var number = rest[..consumed];
        var i = number[0] == '-' ? 1 : 0;
        if (i >= number.Length || !char.IsAsciiDigit((char)number[i]) || (number[i] == '0' && i + 1 < number.Length && char.IsAsciiDigit((char)number[i + 1])))
        {
            return false;
        }

        var point = number.IndexOf((byte)'.');
        if (point >= 0 && (point + 1 == number.Length || !char.IsAsciiDigit((char)number[point + 1])))
        {
            return false;
        }

        p += consumed;
        return true;
    }

    /// <summary>After a list element: a comma (then <paramref name="more"/>, and whitespace skipped) or the closing token.</summary>
    private static bool Separator(ReadOnlySpan<byte> json, ref int p, byte close, out bool more)
    {
        more = false;
        if (!SkipWhitespace(json, ref p))
        {
            return false;
        }

        if (json[p] == ',')
        {
            p++;
            more = true;
            return SkipWhitespace(json, ref p);
        }

        return Expect(json, ref p, close);
    }

    private static bool Expect(ReadOnlySpan<byte> json, ref int p, byte token)
    {
        if (p >= json.Length || json[p] != token)
        {
            return false;
        }

        p++;
        return true;
    }

    /// <summary>Skips JSON whitespace; false when the body ends (every caller expects more).</summary>
    private static bool SkipWhitespace(ReadOnlySpan<byte> json, ref int p)
    {
        while (p < json.Length && IsWhitespace(json[p]))
        {
            p++;
        }

        return p < json.Length;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
