using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SkillInference.Batch.Relational;

/// <summary>
/// The JSON form of a feature group in <c>student_features</c>, as the stores write it: an object of feature name to
/// number, missing values as null. <see cref="StudentFeatureBlockBuilder"/> reads it back.
/// </summary>
internal static class FeatureJson
{
    /// <summary>Writes features as a JSON object (missing values as null; NaN and infinities are written as null).</summary>
    public static string Serialize(IReadOnlyDictionary<string, double?> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var buffer = new ArrayBufferWriter<byte>(32 + (features.Count * 32));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in features)
            {
                if (value is { } v && double.IsFinite(v))
                {
                    writer.WriteNumber(name, v);
                }
                else
                {
                    writer.WriteNull(name);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a JSON object of numbers; false with a reason (never a value) when it is not one.</summary>
    public static bool TryParse(string json, out Dictionary<string, double?> features, out string? error)
    {
        ArgumentNullException.ThrowIfNull(json);
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(json, rented);
            return TryParse(rented.AsSpan(0, length), out features, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads a UTF-8 JSON object of numbers; false with a reason (never a value) when it is not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out Dictionary<string, double?> features, out string? error)
    {
        features = new Dictionary<string, double?>(24, StringComparer.Ordinal);
        error = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        features[name] = reader.GetDouble();
                        break;
                    case JsonTokenType.Null:
                        features[name] = null;
                        break;
                    default:
                        error = $"feature '{Truncate(name)}' is not a number or null";
                        return false;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            error = "is not valid JSON";
            return false;
        }
    }

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
