using Microsoft.Extensions.DependencyInjection;

namespace SkillInference.Tests.Infrastructure;

/// <summary>A private, empty batch database for one test: its kind, its connection (for the CLI's --db), how to register it and how to run SQL in it.</summary>
public sealed class TestDatabase(string kind, string connection, Action<SkillInferenceBuilder> use, Func<string, Task> execute, Func<Task>? drop = null) : IAsyncDisposable
{
    /// <summary><c>Postgres</c> or <c>Sqlite</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>A PostgreSQL connection string or a SQLite file path, as the CLI's <c>--db</c> and the host's configuration take it.</summary>
    public string Connection { get; } = connection;

    /// <summary>Registers the database on a builder (<c>UsePostgres</c> / <c>UseSqlite</c>).</summary>
    public void Use(SkillInferenceBuilder builder) => use(builder);

    /// <summary>Runs SQL in the database behind the adapter's back (e.g. to corrupt a stored row).</summary>
    public Task ExecuteAsync(string sql) => execute(sql);

    public static TestDatabase Sqlite()
    {
        var path = Path.Combine(TempDirectory.Create("sqlite"), "skills.db");
        return new TestDatabase("Sqlite", path, b => b.UseSqlite(path), async sql =>
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        });
    }

    public ValueTask DisposeAsync() => drop is null ? ValueTask.CompletedTask : new ValueTask(drop());
}
