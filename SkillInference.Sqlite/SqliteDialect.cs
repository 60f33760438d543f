using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SkillInference.Batch;
using SkillInference.Batch.Relational;

namespace SkillInference.Sqlite;

/// <summary>
/// SQLite's side of the relational run store: ids and timestamps as text (UTC of fixed width, so they compare in time
/// order), JSON as text, no row locks (every write transaction is <c>BEGIN IMMEDIATE</c>, SQLite's one writer lock,
/// which also makes run starts one at a time), id lists as a JSON array, and the default batched multi-row inserts.
/// </summary>
internal sealed class SqliteDialect : RelationalDialect
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private SqliteDialect()
    {
    }

    public static SqliteDialect Instance { get; } = new();

    public override string LockRowsSuffix => "";

    /// <summary>The stored text of a timestamp.</summary>
    public static string TimestampText(DateTimeOffset value) => Stored(value).UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public override object Timestamp(DateTimeOffset value) => TimestampText(value);

    public override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(reader.GetString(ordinal), TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc), TimeSpan.Zero);

    public override object Id(Guid value) => value.ToString("D", CultureInfo.InvariantCulture);

    public override Guid ReadId(DbDataReader reader, int ordinal) => Guid.Parse(reader.GetString(ordinal));

    public override string JsonText(string column) => column;

    public override string JsonValue(string parameter) => parameter;

    public override string StudentIdIn(DbCommand command, string column, IReadOnlyCollection<string> studentIds)
    {
        command.With("ids", JsonSerializer.Serialize(studentIds.ToArray()));
        return $"{column} IN (SELECT value FROM json_each(@ids))";
    }

    /// <summary>
    /// Writers stamp rows with the counter's current value (migration 0002's triggers); taking a watermark moves the
    /// counter on, so every later write gets a higher value. SQLite has one writer at a time, so no write in progress
    /// can commit with the old value after the watermark was taken.
    /// </summary>
    public override string ChangeWatermarkSql => "UPDATE change_sequence SET value = value + 1 WHERE id = 1 RETURNING value";

    public override Task LockRunStartsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Microsoft.Data.Sqlite gives no span over a text value (its GetBytes copies into a new array): read the string and transcode it.</summary>
    public override int ReadUtf8(DbDataReader reader, int ordinal, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var text = reader.GetString(ordinal);
        EnsureCapacity(ref buffer, Encoding.UTF8.GetMaxByteCount(text.Length));
        return Encoding.UTF8.GetBytes(text, buffer);
    }

    public override bool IsDatabaseFailure(Exception exception) => SqliteErrors.IsDatabaseFailure(exception);

    public override BatchStoreException Fail(ILogger logger, Exception exception, string operation)
    {
        var translated = SqliteErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var code = (exception as SqliteException)?.SqliteErrorCode ?? 0;
        Log.DatabaseFailed(logger, exception, operation, kind, code);
        return translated;
    }
}
