using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SkillInference.Sqlite;

/// <summary>The SQLite file as an ADO.NET data source: opens pooled, configured connections (creating the file's folder when needed).</summary>
internal sealed class SqliteDatabase : DbDataSource
{
    private const string Pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

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

    public override string ConnectionString { get; }

    public string FilePath { get; }

    /// <summary>Opens a configured connection.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        (SqliteConnection)await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);

    protected override DbConnection OpenDbConnection()
    {
        CreateDirectory();
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = Pragmas;
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        CreateDirectory();
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = Pragmas;
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void CreateDirectory()
    {
        if (FilePath.Length > 0 && FilePath != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(FilePath)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
