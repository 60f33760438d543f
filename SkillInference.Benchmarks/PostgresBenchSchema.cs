using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SkillInference.Batch;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// A throwaway schema in the PostgreSQL of <c>SKILLINF_BENCH_POSTGRES</c> with the batch tables, the sample models and
/// N synthetic students seeded through <see cref="IStudentDataWriter"/>; dropped when disposed.
/// </summary>
internal sealed class PostgresBenchSchema : IAsyncDisposable
{
    public const string EnvironmentVariable = "SKILLINF_BENCH_POSTGRES";

    private readonly string _server;
    private readonly string _schema;

    private PostgresBenchSchema(string server, string schema, string connection, ServiceProvider provider, SyntheticDataGenerator generator, string[] skillIds)
    {
        _server = server;
        _schema = schema;
        Connection = connection;
        Provider = provider;
        Generator = generator;
        SkillIds = skillIds;
    }

    /// <summary>The connection string of the schema.</summary>
    public string Connection { get; }

    public ServiceProvider Provider { get; }

    public SyntheticDataGenerator Generator { get; }

    /// <summary>The skills of the sample models.</summary>
    public string[] SkillIds { get; }

    /// <summary>The time seeding took (features and teacher ratings).</summary>
    public TimeSpan Seeding { get; private set; }

    /// <summary>The server's connection string, or null (with a message on stderr) when it is not configured.</summary>
    public static string? Server()
    {
        var server = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(server))
        {
            Console.Error.WriteLine($"Set {EnvironmentVariable} to a PostgreSQL connection string (see docs/batch.md); a throwaway schema is created in it and dropped afterwards.");
            return null;
        }

        return server;
    }

    /// <summary>Creates the schema, applies the migrations, loads the models and seeds <paramref name="students"/> students.</summary>
    public static async Task<PostgresBenchSchema> CreateAsync(string server, int students, Action<BatchOptions> configure)
    {
        var (storePath, catalog, _) = await BenchmarkStore.CreateAsync();
        var schema = "bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}");
        var connection = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(storePath).UsePostgres(connection).AddBatchInference(configure);
        var provider = services.BuildServiceProvider();
        var bench = new PostgresBenchSchema(server, schema, connection, provider, new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2027 }), [.. catalog.Skills.Select(s => s.Id)]);
        try
        {
            await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
            await provider.GetRequiredService<Inference.ISkillInferenceService>().RefreshAsync();
            await bench.SeedAsync(students);
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    public Task ExecuteAsync(string sql) => ExecuteAsync(Connection, sql);

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_server, $"DROP SCHEMA {_schema} CASCADE");
    }

    private async Task SeedAsync(int students)
    {
        var writer = Provider.GetRequiredService<IStudentDataWriter>();
        var seeded = DateTimeOffset.UtcNow.AddDays(-1);
        var seeding = Stopwatch.StartNew();
        for (var first = 0; first < students; first += 10_000)
        {
            var chunk = Generator.Generate(first, Math.Min(10_000, students - first)).ToArray();
            await writer.UpsertStudentFeaturesAsync([.. chunk.Select(s => SyntheticStudentData.ToStudentFeatures(Generator, s, seeded))]);
            await writer.UpsertTeacherRatingsAsync([.. chunk.SelectMany(s => SyntheticStudentData.ToTeacherRatings(Generator, s, seeded))]);
        }

        Seeding = seeding.Elapsed;
        await ExecuteAsync(Connection, "VACUUM ANALYZE");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
