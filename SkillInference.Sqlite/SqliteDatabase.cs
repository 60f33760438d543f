using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SkillInference.Batch;

namespace SkillInference.Sqlite;

/// <summary>The SQLite file: opens configured connections, converts values, and translates failures.</summary>
internal sealed class SqliteDatabase
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public SqliteDatabase(string connectionStringOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrPath);
        var builder = connectionStringOrPath.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connectionStringOrPath)
            : new SqliteConnectionStringBuilder { DataSource = connectionStringOrPath };
        if (builder.DefaultTimeout < 60)
        {
            // Writers wait for each other (one writer at a time) rather than failing at once.
            builder.DefaultTimeout = 60;
        }

        builder.Pooling = true;
        ConnectionString = builder.ToString();
        FilePath = builder.DataSource;
    }

    public string ConnectionString { get; }

    public string FilePath { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (FilePath.Length > 0 && FilePath != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(FilePath)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static object Timestamp(DateTimeOffset? value) => value is { } v ? Timestamp(v) : DBNull.Value;

    public static DateTimeOffset ParseTimestamp(string value) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(value, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc), TimeSpan.Zero);

    public static BatchStoreException Fail(ILogger logger, Exception exception, string operation)
    {
        var translated = SqliteErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var code = (exception as SqliteException)?.SqliteErrorCode ?? 0;
        Log.DatabaseFailed(logger, exception, operation, kind, code);
        return translated;
    }
}
