using Microsoft.Extensions.Options;
using SkillInference.Batch;
using SkillInference.Host.Batch;

namespace SkillInference.Host.Configuration;

/// <summary>Wires the batch worker from configuration: the database, the dispatcher, migrations at start-up, the schedule.</summary>
internal static class BatchConfiguration
{
    public static SkillInferenceBuilder AddBatchFromConfiguration(this SkillInferenceBuilder builder, IConfiguration configuration, string contentRoot)
    {
        var services = builder.Services;
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var batch = configuration.GetSection(BatchHostOptions.SectionName).Get<BatchHostOptions>() ?? new BatchHostOptions();
        services.Configure<DatabaseOptions>(configuration.GetSection(DatabaseOptions.SectionName));
        services.Configure<BatchHostOptions>(configuration.GetSection(BatchHostOptions.SectionName));

        if (database.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(database.ConnectionString))
            {
                throw new InvalidOperationException("SkillInference:Database:ConnectionString is required when SkillInference:Database:Kind is Postgres (e.g. SkillInference__Database__ConnectionString='Host=...;Database=skills;Username=...;Password=...').");
            }

            builder.UsePostgres(database.ConnectionString);
        }
        else if (string.Equals(database.Kind, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var connection = string.IsNullOrWhiteSpace(database.ConnectionString) ? DatabaseOptions.DefaultSqlitePath : database.ConnectionString;
            builder.UseSqlite(connection.Contains('=', StringComparison.Ordinal) ? connection : Path.GetFullPath(connection, contentRoot));
        }
        else
        {
            throw new InvalidOperationException($"SkillInference:Database:Kind '{database.Kind}' is not supported; use Sqlite or Postgres.");
        }

        builder.AddBatchInference(o => configuration.GetSection(BatchOptions.SectionName).Bind(o));
        switch (batch.Dispatcher.ToUpperInvariant())
        {
            case "INPROCESS":
                break;
            case "CLOUDTASKS":
                builder.UseCloudTasksDispatcher(configuration.GetSection(BatchHostOptions.SectionName + ":CloudTasks"));
                break;
            default:
                throw new InvalidOperationException($"SkillInference:Batch:Dispatcher '{batch.Dispatcher}' is not supported; use InProcess or CloudTasks.");
        }

        if (database.ShouldMigrateOnStartup)
        {
            var kind = database.IsPostgres ? "PostgreSQL" : "SQLite";
            services.AddHostedService(sp => new DatabaseMigrationService(
                sp.GetRequiredService<IDatabaseMigrator>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DatabaseMigrationService>>(),
                kind));
        }

        services.AddHostedService<BatchSchedulerService>();
        return builder;
    }
}
