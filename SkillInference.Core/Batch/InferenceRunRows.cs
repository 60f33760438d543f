using System.Data.Common;

namespace SkillInference.Batch;

/// <summary>
/// The <c>inference_runs</c> table's row shape, shared by the database adapters: the column list, the stored names of
/// modes and statuses, and the mapping of a row to an <see cref="InferenceRun"/>. Each adapter supplies how its
/// database stores ids and timestamps.
/// </summary>
public static class InferenceRunRows
{
    /// <summary>The columns, in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = """
        run_id, mode, status, started_at, finished_at, watermark, changed_after, dispatcher, shards, shards_completed,
        students_planned, students, predictions, failures, inserted, duration_ms, students_per_second,
        predictions_per_second, read_ms, score_ms, write_ms, error
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

    /// <summary>Maps the reader's current row, selected with <see cref="Columns"/>.</summary>
    /// <param name="reader">Positioned on a row.</param>
    /// <param name="id">Reads the run id at an ordinal (a uuid column, or its text).</param>
    /// <param name="timestamp">Reads a non-null timestamp at an ordinal.</param>
    public static InferenceRun Read(DbDataReader reader, Func<DbDataReader, int, Guid> id, Func<DbDataReader, int, DateTimeOffset> timestamp)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(timestamp);
        DateTimeOffset? OptionalTimestamp(int i) => reader.IsDBNull(i) ? null : timestamp(reader, i);
        double? OptionalDouble(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);

        return new InferenceRun
        {
            RunId = id(reader, 0),
            Mode = reader.GetString(1) == "full" ? BatchMode.Full : BatchMode.Incremental,
            Status = reader.GetString(2) switch { "running" => RunStatus.Running, "succeeded" => RunStatus.Succeeded, _ => RunStatus.Failed },
            StartedAt = timestamp(reader, 3),
            FinishedAt = OptionalTimestamp(4),
            Watermark = OptionalTimestamp(5),
            ChangedAfter = OptionalTimestamp(6),
            Dispatcher = reader.GetString(7),
            Shards = reader.GetInt32(8),
            ShardsCompleted = reader.GetInt32(9),
            StudentsPlanned = reader.GetInt32(10),
            Students = reader.GetInt32(11),
            Predictions = reader.GetInt64(12),
            Failures = reader.GetInt32(13),
            Inserted = reader.GetInt64(14),
            Duration = OptionalDouble(15) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            StudentsPerSecond = OptionalDouble(16),
            PredictionsPerSecond = OptionalDouble(17),
            ReadTime = TimeSpan.FromMilliseconds(reader.GetDouble(18)),
            ScoreTime = TimeSpan.FromMilliseconds(reader.GetDouble(19)),
            WriteTime = TimeSpan.FromMilliseconds(reader.GetDouble(20)),
            Error = reader.IsDBNull(21) ? null : reader.GetString(21),
        };
    }
}
