using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;

namespace SkillInference.Batch.Relational;

/// <summary>
/// The <c>inference_runs</c> table's row shape: the column list, the stored names of modes and statuses, and the
/// mapping between a row and an <see cref="InferenceRun"/> (times of phases and durations are stored in milliseconds).
/// </summary>
internal static class InferenceRunRows
{
    /// <summary>The columns, in the order <see cref="Read"/> expects them.</summary>
    public static string Columns(RelationalDialect dialect) => $"""
        run_id, mode, status, started_at, finished_at, change_watermark, changed_since, dispatcher, shards, shards_completed,
        students_planned, students, predictions, failures, inserted, duration_ms, students_per_second,
        predictions_per_second, read_ms, score_ms, write_ms, error, {dialect.JsonText("serving")}
        """;

    /// <summary>Updates every column a run's bookkeeping changes, from the parameters <see cref="BindUpdate"/> binds.</summary>
    public static string Update(RelationalDialect dialect) => $"""
        UPDATE inference_runs SET
            status = @status, finished_at = @finished_at, shards_completed = @shards_completed, students = @students,
            predictions = @predictions, failures = @failures, inserted = @inserted, duration_ms = @duration_ms,
            students_per_second = @students_per_second, predictions_per_second = @predictions_per_second,
            read_ms = @read_ms, score_ms = @score_ms, write_ms = @write_ms, error = @error, serving = {dialect.JsonValue("@serving")}
        WHERE run_id = @run
        """;

    /// <summary>Inserts a new running run, from the parameters <see cref="BindInsert"/> binds.</summary>
    public static string Insert(RelationalDialect dialect) => $"""
        INSERT INTO inference_runs (run_id, mode, status, started_at, change_watermark, changed_since, dispatcher, shards, students_planned, serving)
        VALUES (@run, @mode, 'running', @started_at, @watermark, @changed_since, @dispatcher, @shards, @students_planned, {dialect.JsonValue("@serving")})
        """;

    /// <summary>The stored name of a mode: <c>full</c> or <c>incremental</c>.</summary>
    public static string ModeName(BatchMode mode) => mode == BatchMode.Full ? "full" : "incremental";

    /// <summary>The stored name of a status: <c>running</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    public static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        _ => "failed",
    };

    /// <summary>Binds the parameters of <see cref="Insert"/>.</summary>
    public static DbCommand BindInsert(DbCommand command, RelationalDialect dialect, InferenceRun run) => command
        .With("run", dialect.Id(run.RunId))
        .With("mode", ModeName(run.Mode))
        .With("started_at", dialect.Timestamp(run.StartedAt))
        .With("watermark", run.Watermark)
        .With("changed_since", run.ChangedSince)
        .With("dispatcher", run.Dispatcher)
        .With("shards", run.Shards)
        .With("students_planned", run.StudentsPlanned)
        .With("serving", ServingJson(run.Serving));

    /// <summary>Binds the parameters of <see cref="Update"/>.</summary>
    public static DbCommand BindUpdate(DbCommand command, RelationalDialect dialect, InferenceRun run) => command
        .With("run", dialect.Id(run.RunId))
        .With("status", StatusName(run.Status))
        .With("finished_at", dialect.Timestamp(run.FinishedAt))
        .With("shards_completed", run.ShardsCompleted)
        .With("students", run.Students)
        .With("predictions", run.Predictions)
        .With("failures", run.Failures)
        .With("inserted", run.Inserted)
        .With("duration_ms", run.Duration?.TotalMilliseconds)
        .With("students_per_second", run.StudentsPerSecond)
        .With("predictions_per_second", run.PredictionsPerSecond)
        .With("read_ms", run.ReadTime.TotalMilliseconds)
        .With("score_ms", run.ScoreTime.TotalMilliseconds)
        .With("write_ms", run.WriteTime.TotalMilliseconds)
        .With("error", run.Error)
        .With("serving", ServingJson(run.Serving));

    /// <summary>Maps the reader's current row, selected with <see cref="Columns"/>.</summary>
    public static InferenceRun Read(DbDataReader reader, RelationalDialect dialect)
    {
        DateTimeOffset? OptionalTimestamp(int i) => reader.IsDBNull(i) ? null : dialect.ReadTimestamp(reader, i);
        long? OptionalLong(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        double? OptionalDouble(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);

        return new InferenceRun
        {
            RunId = dialect.ReadId(reader, 0),
            Mode = reader.GetString(1) == "full" ? BatchMode.Full : BatchMode.Incremental,
            Status = reader.GetString(2) switch { "running" => RunStatus.Running, "succeeded" => RunStatus.Succeeded, _ => RunStatus.Failed },
            StartedAt = dialect.ReadTimestamp(reader, 3),
            FinishedAt = OptionalTimestamp(4),
            Watermark = OptionalLong(5),
            ChangedSince = OptionalLong(6),
            Dispatcher = reader.GetString(7),
            Shards = reader.GetInt32(8),
            ShardsCompleted = reader.GetInt32(9),
            StudentsPlanned = reader.GetInt32(10),
            Students = reader.GetInt32(11),
            Predictions = reader.GetInt64(12),
            Failures = reader.GetInt32(13),
            Inserted = reader.GetInt64(14),
            Duration = OptionalDouble(15) is { } ms ? Milliseconds(ms) : null,
            StudentsPerSecond = OptionalDouble(16),
            PredictionsPerSecond = OptionalDouble(17),
            ReadTime = Milliseconds(reader.GetDouble(18)),
            ScoreTime = Milliseconds(reader.GetDouble(19)),
            WriteTime = Milliseconds(reader.GetDouble(20)),
            Error = reader.IsDBNull(21) ? null : reader.GetString(21),
            Serving = reader.IsDBNull(22) ? null : ParseServing(reader.GetString(22)),
        };
    }

    /// <summary>The stored JSON of serving versions: <c>[{"skill", "version"}]</c>; null for none known.</summary>
    private static string? ServingJson(IReadOnlyList<ServingVersion>? serving)
    {
        if (serving is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(64 * (serving.Count + 1));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var v in serving)
            {
                json.WriteStartObject();
                json.WriteString("skill", v.Skill);
                json.WriteString("version", v.Version);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static ServingVersion[] ParseServing(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => new ServingVersion(e.GetProperty("skill").GetString()!, e.GetProperty("version").GetString()!))];
    }

    /// <summary>Stored milliseconds back to the exact ticks they were written from.</summary>
    private static TimeSpan Milliseconds(double ms) => TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond));
}
