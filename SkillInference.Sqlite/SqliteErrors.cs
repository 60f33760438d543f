using Microsoft.Data.Sqlite;
using SkillInference.Batch;

namespace SkillInference.Sqlite;

/// <summary>The one place that decides whether a SQLite failure is transient (retry later) or permanent.</summary>
internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int IoError = 10;
    private const int CantOpen = 14;

    public static bool IsDatabaseFailure(Exception exception) => exception is SqliteException;

    /// <summary>Transient: the database is busy or locked by another writer, or could not be read or opened (I/O). Else permanent.</summary>
    public static BatchStoreErrorKind Classify(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Busy or Locked or IoError or CantOpen }
            ? BatchStoreErrorKind.Transient
            : BatchStoreErrorKind.Permanent;

    public static BatchStoreException Translate(Exception exception, string operation)
    {
        var kind = Classify(exception);
        var detail = exception.Message.Contains("no such table", StringComparison.Ordinal)
            ? "the batch tables do not exist; apply the migrations (skillinf db migrate --db PATH, or SkillInference:Database:MigrateOnStartup)"
            : exception.Message;
        return new BatchStoreException(kind, $"SQLite failed while {operation} ({(kind == BatchStoreErrorKind.Transient ? "transient" : "permanent")}): {detail}", exception);
    }
}
