using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL the integration tests use: <c>eng/test.sh</c> starts a throwaway cluster and exports its
/// connection string in <see cref="EnvironmentVariable"/>. Each test gets its own schema (dropped at the end).
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "SKILLINF_TEST_POSTGRES";

    /// <summary>The server's connection string; fails the test (never skips it) when it is not configured.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new AssertFailedException(
                $"The PostgreSQL integration tests need a server: {EnvironmentVariable} is not set. Run them with `bash eng/test.sh`, which " +
                "installs PostgreSQL if needed, starts a throwaway cluster on 127.0.0.1 and exports it; or set " +
                $"{EnvironmentVariable}='Host=127.0.0.1;Port=5432;Username=...;Password=...;Database=...' yourself.");

    /// <summary>A fresh schema on the server, used through the connection string's search path.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var server = ConnectionString;
        var schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
        return new TestDatabase("Postgres", connectionString, b => b.UsePostgres(connectionString), sql => ExecuteAsync(connectionString, sql), async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        });
    }

    /// <summary>Runs SQL in a test database (e.g. to corrupt a row as a poisoned student).</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
