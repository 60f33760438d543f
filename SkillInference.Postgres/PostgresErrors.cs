using System.Net.Sockets;
using Npgsql;
using SkillInference.Batch;

namespace SkillInference.Postgres;

/// <summary>The one place that decides whether a PostgreSQL failure is transient (retry later) or permanent.</summary>
internal static class PostgresErrors
{
    /// <summary>Undefined table: the migrations were not applied.</summary>
    private const string UndefinedTable = "42P01";

    /// <summary>Whether an exception is a failure of the database or of the connection to it.</summary>
    public static bool IsDatabaseFailure(Exception exception) =>
        exception is NpgsqlException or TimeoutException or SocketException;

    /// <summary>
    /// Transient: what <see cref="NpgsqlException.IsTransient"/> says (connection failures, timeouts, serialization
    /// failures, deadlocks, too many connections, shutdowns...), and timeouts. Everything else is permanent.
    /// </summary>
    public static BatchStoreErrorKind Classify(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => BatchStoreErrorKind.Transient,
        TimeoutException or SocketException => BatchStoreErrorKind.Transient,
        _ => BatchStoreErrorKind.Permanent,
    };

    public static BatchStoreException Translate(Exception exception, string operation)
    {
        var kind = Classify(exception);
        var detail = exception is PostgresException { SqlState: UndefinedTable }
            ? "the batch tables do not exist; apply the migrations (skillinf db migrate --db CONN, or SkillInference:Database:MigrateOnStartup)"
            : exception.Message;
        return new BatchStoreException(kind, $"PostgreSQL failed while {operation} ({(kind == BatchStoreErrorKind.Transient ? "transient" : "permanent")}): {detail}", exception);
    }
}
