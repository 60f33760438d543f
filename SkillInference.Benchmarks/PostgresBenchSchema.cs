using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SkillInference.Batch;
using SkillInference.Benchmarks.Suite;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>
/// A throwaway schema in the PostgreSQL of <c>SKILLINF_BENCH_POSTGRES</c> with the batch tables, a model store and N
/// students seeded through <see cref="IStudentDataWriter"/> — the sample models and synthetic students, or one of the
/// suite's XGBoost models and its timing rows; dropped when disposed.
/// </summary>
internal sealed class PostgresBenchSchema : IAsyncDisposable
{
    public const string EnvironmentVariable = "SKILLINF_BENCH_POSTGRES";

    /// <summary>Set to 1 to keep the schema after the run.</summary>
    public const string KeepVariable = "SKILLINF_BENCH_KEEP_SCHEMA";

    private readonly string _server;
    private readonly string _schema;
    private readonly SyntheticDataGenerator? _generator;

    private PostgresBenchSchema(string server, string schema, string connection, ServiceProvider provider, SyntheticDataGenerator? generator, string[] skillIds)
    {
        _server = server;
        _schema = schema;
        Connection = connection;
        Provider = provider;
        _generator = generator;
        SkillIds = skillIds;
    }

    /// <summary>The connection string of the schema.</summary>
    public string Connection { get; }

    public ServiceProvider Provider { get; }

    /// <summary>The synthetic students' generator (the sample models' schema only).</summary>
    public SyntheticDataGenerator Generator => _generator ?? throw new InvalidOperationException("Only a schema of the sample models has synthetic students.");

    /// <summary>The skills deployed in the store.</summary>
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

    /// <summary>Creates the schema with the sample models, applies the migrations, loads the models and seeds <paramref name="students"/> synthetic students.</summary>
    public static async Task<PostgresBenchSchema> CreateAsync(string server, int students, Action<BatchOptions> configure)
    {
        var (storePath, catalog, _) = await BenchmarkStore.CreateAsync();
        var generator = new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2027 });
        return await CreateAsync(server, storePath, [.. catalog.Skills.Select(s => s.Id)], generator, configure, writer => SeedSyntheticAsync(writer, generator, students));
    }

    /// <summary>
    /// Creates the schema with the store at <paramref name="storePath"/> (<paramref name="model"/> deployed alone) and
    /// seeds the model's first <paramref name="students"/> timing rows as students <see cref="StudentId"/>(row): the
    /// first half of its features in the linguistic group, the rest behavioral, a missing value left out.
    /// </summary>
    public static Task<PostgresBenchSchema> CreateAsync(string server, XgbSuiteModel model, string storePath, int students, Action<BatchOptions> configure) =>
        CreateAsync(server, storePath, [model.Bundle.Skill], generator: null, configure, writer => SeedRowsAsync(writer, model, students));

    /// <summary>The id of the student seeded from timing row <paramref name="row"/> (ids sort as the rows do).</summary>
    public static string StudentId(int row) => string.Create(CultureInfo.InvariantCulture, $"s{row + 1:D7}");

    private static async Task<PostgresBenchSchema> CreateAsync(string server, string storePath, string[] skills, SyntheticDataGenerator? generator, Action<BatchOptions> configure, Func<IStudentDataWriter, Task> seed)
    {
        var schema = "bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}");
        var connection = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(storePath).UsePostgres(connection).AddBatchInference(configure);
        var provider = services.BuildServiceProvider();
        var bench = new PostgresBenchSchema(server, schema, connection, provider, generator, skills);
        try
        {
            await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
            await provider.GetRequiredService<Inference.ISkillInferenceService>().RefreshAsync();
            var seeding = Stopwatch.StartNew();
            await seed(provider.GetRequiredService<IStudentDataWriter>());
            bench.Seeding = seeding.Elapsed;
            await ExecuteAsync(connection, "VACUUM ANALYZE");
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
        if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
        {
            // To look at the data afterwards (EXPLAIN ANALYZE of the worker's queries); dropped by hand.
            Console.Error.WriteLine($"{KeepVariable}=1: schema {_schema} kept.");
            return;
        }

        await ExecuteAsync(_server, $"DROP SCHEMA {_schema} CASCADE");
    }

    private static async Task SeedSyntheticAsync(IStudentDataWriter writer, SyntheticDataGenerator generator, int students)
    {
        var seeded = DateTimeOffset.UtcNow.AddDays(-1);
        for (var first = 0; first < students; first += 10_000)
        {
            var chunk = generator.Generate(first, Math.Min(10_000, students - first)).ToArray();
            await writer.UpsertStudentFeaturesAsync([.. chunk.Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, seeded))]);
            await writer.UpsertTeacherRatingsAsync([.. chunk.SelectMany(s => SyntheticStudentData.ToTeacherRatings(generator, s, seeded))]);
        }
    }

    private static async Task SeedRowsAsync(IStudentDataWriter writer, XgbSuiteModel model, int students)
    {
        if (students > model.RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(students), $"{model.Name} has {model.RowCount:N0} timing rows.");
        }

        var names = model.Bundle.Schema.Features.Select(f => f.Name).ToArray();
        var half = names.Length / 2;
        var seeded = DateTimeOffset.UtcNow.AddDays(-1);
        Dictionary<string, double?> Group(int row, int from, int to)
        {
            var group = new Dictionary<string, double?>(to - from, StringComparer.Ordinal);
            for (var f = from; f < to; f++)
            {
                var value = model.Rows[(row * model.Features) + f];
                if (!float.IsNaN(value))
                {
                    group[names[f]] = value;
                }
            }

            return group;
        }

        for (var first = 0; first < students; first += 10_000)
        {
            var rows = Enumerable.Range(first, Math.Min(10_000, students - first));
            await writer.UpsertStudentFeaturesAsync([.. rows.Select(r => new StudentFeatures(StudentId(r), Group(r, 0, half), Group(r, half, names.Length), seeded))]);
        }
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
