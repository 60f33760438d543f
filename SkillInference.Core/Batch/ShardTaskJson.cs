using System.Buffers;
using System.Text.Json;

namespace SkillInference.Batch;

/// <summary>
/// The JSON body of a shard task, as a queue dispatcher sends it and the host's <c>POST /api/v1/tasks/batch-inference</c>
/// reads it: <c>{"runId", "shard", "afterStudentId", "throughStudentId", "mode", "changedSince", "servingVersions": [{"skill", "version"}]}</c>.
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
            if (task.Selection.ChangedSince is { } changed)
            {
                json.WriteNumber("changedSince", changed);
            }
            else
            {
                json.WriteNull("changedSince");
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

    /// <summary>Reads a shard task written by <see cref="Serialize"/>.</summary>
    /// <exception cref="JsonException">The JSON is not a shard task.</exception>
    public static ShardTask Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        try
        {
            var mode = TryParseMode(root.GetProperty("mode").GetString(), out var m) ? m : throw new JsonException("The shard task's mode is neither full nor incremental.");
            var since = root.TryGetProperty("changedSince", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : (long?)null;
            var versions = root.TryGetProperty("servingVersions", out var v) && v.ValueKind == JsonValueKind.Array
                ? v.EnumerateArray().Select(e => new ServingVersion(e.GetProperty("skill").GetString()!, e.GetProperty("version").GetString()!)).ToArray()
                : [];
            return new ShardTask(
                root.GetProperty("runId").GetGuid(),
                root.GetProperty("shard").GetInt32(),
                root.TryGetProperty("afterStudentId", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null,
                root.GetProperty("throughStudentId").GetString()!,
                mode == BatchMode.Full ? StudentSelection.All : new StudentSelection(BatchMode.Incremental, since, versions));
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new JsonException("The JSON is not a shard task.", ex);
        }
    }

    /// <summary>Whether two tasks name the same shard of the same run with the same range and selection.</summary>
    public static bool SameShard(ShardTask a, ShardTask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.RunId == b.RunId && a.Shard == b.Shard
            && string.Equals(a.AfterStudentId, b.AfterStudentId, StringComparison.Ordinal)
            && string.Equals(a.ThroughStudentId, b.ThroughStudentId, StringComparison.Ordinal)
            && a.Selection.Mode == b.Selection.Mode && a.Selection.ChangedSince == b.Selection.ChangedSince
            && a.Selection.ServingVersions.SequenceEqual(b.Selection.ServingVersions);
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
