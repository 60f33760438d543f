using System.Text;
using System.Text.Json;

namespace SkillInference.Benchmarks.Http;

/// <summary>The JSON bodies of <c>/api/v1/skills/infer</c> and <c>/infer/batch</c>.</summary>
internal static class RequestBodies
{
    public static byte[] Infer(string skill, IReadOnlyDictionary<string, double?> features, string? studentId = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            WriteItem(json, skill, features, studentId);
        }

        return stream.ToArray();
    }

    public static byte[] Batch(IEnumerable<(string Skill, IReadOnlyDictionary<string, double?> Features)> items)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("items");
            foreach (var (skill, features) in items)
            {
                WriteItem(json, skill, features, null);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>One body per line (the wrk script's input).</summary>
    public static void WriteLines(string path, IEnumerable<byte[]> bodies)
    {
        using var file = File.Create(path);
        foreach (var body in bodies)
        {
            file.Write(body);
            file.WriteByte((byte)'\n');
        }
    }

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    private static void WriteItem(Utf8JsonWriter json, string skill, IReadOnlyDictionary<string, double?> features, string? studentId)
    {
        json.WriteStartObject();
        json.WriteString("skill", skill);
        if (studentId is not null)
        {
            json.WriteString("studentId", studentId);
        }

        json.WriteStartObject("features");
        foreach (var (name, value) in features)
        {
            if (value is { } v)
            {
                json.WriteNumber(name, v);
            }
            else
            {
                json.WriteNull(name);
            }
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
