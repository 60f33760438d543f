using Microsoft.Extensions.Logging;

namespace SkillInference.Sqlite;

internal static partial class Log
{
    [LoggerMessage(EventId = 6501, Level = LogLevel.Information, Message = "Applied SQLite migration {Migration} in {ElapsedMs:0} ms")]
    public static partial void MigrationApplied(ILogger logger, string migration, double elapsedMs);

    [LoggerMessage(EventId = 6502, Level = LogLevel.Debug, Message = "The SQLite schema is up to date ({Count} migrations)")]
    public static partial void SchemaUpToDate(ILogger logger, int count);

    [LoggerMessage(EventId = 6503, Level = LogLevel.Debug, Message = "SQLite failed while {Operation} ({Kind}, error code {ErrorCode})")]
    public static partial void DatabaseFailed(ILogger logger, Exception exception, string operation, string kind, int errorCode);
}
