using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using SkillInference;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Postgres;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PostgreSQL as the batch worker's database.</summary>
public static class PostgresSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Uses PostgreSQL for <c>student_features</c>, <c>skill_assessments</c>, runs, failures and teacher ratings:
    /// registers <see cref="IFeatureSource"/>, <see cref="IStudentDataWriter"/>, <see cref="IAssessmentStore"/> and
    /// <see cref="IDatabaseMigrator"/> over one pooled <see cref="NpgsqlDataSource"/>, and adds the batch worker.
    /// </summary>
    /// <param name="builder">The builder from <c>AddSkillInference</c>.</param>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=skills;Username=app;Password=...</c>.</param>
    public static SkillInferenceBuilder UsePostgres(this SkillInferenceBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // Parse now: a malformed connection string fails at start-up, not at the first shard.
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        var services = builder.Services;
        services.RemoveAll<PostgresBatchDataSource>();
        services.AddSingleton(sp => new PostgresBatchDataSource(new NpgsqlDataSourceBuilder(parsed.ConnectionString)
            .UseLoggerFactory(sp.GetService<ILoggerFactory>())
            .Build()));
        services.TryAddSingleton(sp => new PostgresMigrator(sp.GetRequiredService<PostgresBatchDataSource>().DataSource, sp.GetService<ILogger<PostgresMigrator>>()));
        services.Replace(ServiceDescriptor.Singleton(sp => new RelationalDatabase(sp.GetRequiredService<PostgresBatchDataSource>().DataSource, PostgresDialect.Instance)));
        services.Replace(ServiceDescriptor.Singleton<IDatabaseMigrator>(sp => sp.GetRequiredService<PostgresMigrator>()));
        return builder.AddRelationalBatchStore();
    }
}
