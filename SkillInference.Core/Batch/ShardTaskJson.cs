using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace SkillInference.Batch;

/// <summary>
/// The JSON body of a shard task, as a queue dispatcher sends it and the host's <c>POST /api/v1/tasks/batch-inference</c>
/// reads it: <c>{"runId", "shard", "afterStudentId", "throughStudentId", "mode", "changedAfter", "servingVersions": [{"skill", "version"}]}</c>.
/// </summary>
public static class ShardTaskJson
{
    /// <summary>Writes a shard task as UTF-8 JSON.</summary>
    public static byte[] Serialize(ShardTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("runId", task.RunId);
            json.WriteNumber("shard", task.Shard);
            if (task.AfterStudentId is { } after)
            {
                json.WriteString("afterStudentId", after);
            }
            else
            {
                json.WriteNull("afterStudentId");
            }

            json.WriteString("throughStudentId", task.ThroughStudentId);
            json.WriteString("mode", ModeName(task.Selection.Mode));
            if (task.Selection.ChangedAfter is { } changed)
            {
                json.WriteString("changedAfter", changed.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNull("changedAfter");
            }

            json.WriteStartArray("servingVersions");
            foreach (var v in task.Selection.ServingVersions)
            {
                json.WriteStartObject();
                json.WriteString("skill", v.Skill);
                json.WriteString("version", v.Version);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The wire name of a mode: <c>full</c> or <c>incremental</c>.</summary>
    public static string ModeName(BatchMode mode) => mode == BatchMode.Full ? "full" : "incremental";

    /// <summary>Parses a wire mode name (case-insensitive); false when it is neither.</summary>
    public static bool TryParseMode(string? value, out BatchMode mode)
    {
        mode = BatchMode.Full;
        if (string.Equals(value, "full", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        mode = BatchMode.Incremental;
        return string.Equals(value, "incremental", StringComparison.OrdinalIgnoreCase);
    }
}
