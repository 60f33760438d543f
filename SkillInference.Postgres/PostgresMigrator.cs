using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SkillInference.Batch;

namespace SkillInference.Postgres;

/// <summary>
/// Applies the embedded migrations in order, each in its own transaction, recording them in <c>schema_migrations</c>.
/// A session advisory lock makes concurrent callers (several hosts starting at once) apply them one at a time.
/// </summary>
internal sealed class PostgresMigrator : IDatabaseMigrator
{
    private static readonly IReadOnlyList<SqlMigration> Migrations = SqlMigration.LoadEmbedded(typeof(PostgresMigrator).Assembly, "SkillInference.Postgres.Migrations.");

    /// <summary>The advisory lock key ("SkillInf" in ASCII).</summary>
    internal const long LockKey = 0x536B696C6C496E66;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    public PostgresMigrator(NpgsqlDataSource dataSource, ILogger<PostgresMigrator>? logger = null)
    {
        _dataSource = dataSource;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await MigrateCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw PostgresErrors.Translate(ex, "applying migrations");
        }
    }

    private async Task<IReadOnlyList<string>> MigrateCoreAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", LockKey)).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(
                connection,
                null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);

            var applied = new HashSet<int>();
            await using (var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var done = new List<string>();
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                var started = Stopwatch.GetTimestamp();
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)", cancellationToken, ("version", migration.Version), ("name", migration.Name)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Log.MigrationApplied(_logger, migration.Name, elapsedMs);
                done.Add(migration.Name);
            }

            if (done.Count == 0)
            {
                Log.SchemaUpToDate(_logger, applied.Count);
            }

            return done;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", LockKey)).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
