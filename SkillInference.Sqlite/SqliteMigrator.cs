using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Batch;

namespace SkillInference.Sqlite;

/// <summary>
/// Applies the embedded migrations in order, recording them in <c>schema_migrations</c>, inside one
/// <c>BEGIN IMMEDIATE</c> transaction: SQLite's writer lock makes concurrent callers apply them one at a time.
/// </summary>
internal sealed class SqliteMigrator : IDatabaseMigrator
{
    private static readonly IReadOnlyList<SqlMigration> Migrations = SqlMigration.LoadEmbedded(typeof(SqliteMigrator).Assembly, "SkillInference.Sqlite.Migrations.");

    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;

    public SqliteMigrator(SqliteDatabase database, ILogger<SqliteMigrator>? logger = null)
    {
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);
            var applied = new HashSet<long>();
            await using (var command = new SqliteCommand("SELECT version FROM schema_migrations", connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt64(0));
                }
            }

            var done = new List<string>();
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                var started = Stopwatch.GetTimestamp();
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
                await using (var record = new SqliteCommand("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($version, $name, $at)", connection, transaction))
                {
                    record.Parameters.AddWithValue("$version", migration.Version);
                    record.Parameters.AddWithValue("$name", migration.Name);
                    record.Parameters.AddWithValue("$at", SqliteDialect.TimestampText(DateTimeOffset.UtcNow));
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Log.MigrationApplied(_logger, migration.Name, elapsedMs);
                done.Add(migration.Name);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (done.Count == 0)
            {
                Log.SchemaUpToDate(_logger, applied.Count);
            }

            return done;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDialect.Instance.Fail(_logger, ex, "applying migrations");
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new SqliteCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
