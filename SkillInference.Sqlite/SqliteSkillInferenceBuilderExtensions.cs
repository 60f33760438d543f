using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SkillInference;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SQLite (the embedded default) as the batch worker's database.</summary>
public static class SqliteSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Uses a SQLite file for <c>student_features</c>, <c>skill_assessments</c>, runs, failures and teacher ratings:
    /// registers <see cref="IFeatureSource"/>, <see cref="IStudentDataWriter"/>, <see cref="IAssessmentStore"/> and
    /// <see cref="IDatabaseMigrator"/>, and adds the batch worker. The file and its folder are created when needed.
    /// </summary>
    /// <param name="builder">The builder from <c>AddSkillInference</c>.</param>
    /// <param name="connectionStringOrPath">A file path (e.g. <c>.skillinference/skills.db</c>) or a Microsoft.Data.Sqlite connection string (<c>Data Source=...</c>).</param>
    public static SkillInferenceBuilder UseSqlite(this SkillInferenceBuilder builder, string connectionStringOrPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrPath);
        var database = new SqliteDatabase(connectionStringOrPath);
        var services = builder.Services;
        services.Replace(ServiceDescriptor.Singleton(database));
        services.TryAddSingleton(sp => new SqliteMigrator(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<ILogger<SqliteMigrator>>()));
        services.Replace(ServiceDescriptor.Singleton(sp => new RelationalDatabase(sp.GetRequiredService<SqliteDatabase>(), SqliteDialect.Instance)));
        services.Replace(ServiceDescriptor.Singleton<IDatabaseMigrator>(sp => sp.GetRequiredService<SqliteMigrator>()));
        return builder.AddRelationalBatchStore();
    }
}
