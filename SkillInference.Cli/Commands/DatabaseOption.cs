using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;

namespace SkillInference.Cli.Commands;

/// <summary>
/// The <c>--db</c> option: a PostgreSQL connection string (it contains '=', e.g. <c>Host=...;Database=...</c>) or a
/// SQLite file path (the embedded default).
/// </summary>
internal static class DatabaseOption
{
    public const string DefaultSqlitePath = ".skillinference/skills.db";

    public static Option<string> Create() => new("--db")
    {
        Description = $"The batch database: a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...) or a SQLite file path (default: {DefaultSqlitePath}).",
        DefaultValueFactory = _ => DefaultSqlitePath,
    };

    public static bool IsPostgres(string db) => db.Contains('=', StringComparison.Ordinal);

    /// <summary>Registers the database <paramref name="db"/> names.</summary>
    public static SkillInferenceBuilder UseDatabase(this SkillInferenceBuilder builder, string db) =>
        IsPostgres(db) ? builder.UsePostgres(db) : builder.UseSqlite(db);

    /// <summary>
    /// The embedded default needs no set-up, so its migrations are applied before use; a PostgreSQL schema changes only
    /// through <c>skillinf db migrate</c> (or the host's MigrateOnStartup).
    /// </summary>
    public static async Task PrepareAsync(IServiceProvider services, string db, CancellationToken cancellationToken)
    {
        if (!IsPostgres(db))
        {
            await services.GetRequiredService<IDatabaseMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How the database is shown in output: a SQLite path, or the PostgreSQL host and database without credentials.</summary>
    public static string Describe(string db)
    {
        if (!IsPostgres(db))
        {
            return db;
        }

        var parsed = new Npgsql.NpgsqlConnectionStringBuilder(db);
        return $"PostgreSQL {parsed.Host}:{parsed.Port}/{parsed.Database}";
    }
}
