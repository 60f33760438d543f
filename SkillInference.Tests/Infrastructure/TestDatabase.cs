using Microsoft.Extensions.DependencyInjection;

namespace SkillInference.Tests.Infrastructure;

/// <summary>A private, empty batch database for one test: its kind, its connection (for the CLI's --db) and how to register it.</summary>
public sealed class TestDatabase(string kind, string connection, Action<SkillInferenceBuilder> use, Func<Task>? drop = null) : IAsyncDisposable
{
    /// <summary><c>Postgres</c> or <c>Sqlite</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>A PostgreSQL connection string or a SQLite file path, as the CLI's <c>--db</c> and the host's configuration take it.</summary>
    public string Connection { get; } = connection;

    /// <summary>Registers the database on a builder (<c>UsePostgres</c> / <c>UseSqlite</c>).</summary>
    public void Use(SkillInferenceBuilder builder) => use(builder);

    public static TestDatabase Sqlite()
    {
        var path = Path.Combine(TempDirectory.Create("sqlite"), "skills.db");
        return new TestDatabase("Sqlite", path, b => b.UseSqlite(path));
    }

    public ValueTask DisposeAsync() => drop is null ? ValueTask.CompletedTask : new ValueTask(drop());
}
