namespace SkillInference.Host.Configuration;

/// <summary>The batch database (configuration section <c>SkillInference:Database</c>).</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Database";

    /// <summary>The default SQLite file of the embedded default, relative to the working directory.</summary>
    public const string DefaultSqlitePath = ".skillinference/skills.db";

    /// <summary><c>Sqlite</c> (the embedded default) or <c>Postgres</c>.</summary>
    /// <value>Defaults to <c>Sqlite</c>.</value>
    public string Kind { get; set; } = "Sqlite";

    /// <summary>
    /// An Npgsql connection string for <c>Postgres</c> (required); a file path or <c>Data Source=...</c> for <c>Sqlite</c>
    /// (relative paths are relative to the working directory).
    /// </summary>
    /// <value>Defaults to empty: for <c>Sqlite</c>, <c>.skillinference/skills.db</c>.</value>
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply the migrations when the host starts.</summary>
    /// <value>Defaults to unset: true for <c>Sqlite</c>, false for <c>Postgres</c> (run <c>skillinf db migrate</c> from the deployment pipeline, or set it).</value>
    public bool? MigrateOnStartup { get; set; }

    /// <summary>Whether <see cref="Kind"/> is <c>Postgres</c>.</summary>
    public bool IsPostgres => string.Equals(Kind, "Postgres", StringComparison.OrdinalIgnoreCase) || string.Equals(Kind, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the migrations run at start-up.</summary>
    public bool ShouldMigrateOnStartup => MigrateOnStartup ?? !IsPostgres;
}
