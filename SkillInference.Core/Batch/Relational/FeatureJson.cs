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
}
