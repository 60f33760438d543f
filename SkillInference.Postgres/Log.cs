using Microsoft.Extensions.Logging;

namespace SkillInference.Postgres;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Applied PostgreSQL migration {Migration} in {ElapsedMs:0} ms")]
    public static partial void MigrationApplied(ILogger logger, string migration, double elapsedMs);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "The PostgreSQL schema is up to date ({Count} migrations)")]
    public static partial void SchemaUpToDate(ILogger logger, int count);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "PostgreSQL failed while {Operation} ({Kind}, SQL state {SqlState})")]
    public static partial void DatabaseFailed(ILogger logger, Exception exception, string operation, string kind, string sqlState);
}
