using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using SkillInference.Batch;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Batch;

/// <summary>
/// The batch worker as an embedding app builds it (DI) over a private copy of the sample models and a test database,
/// with the migrations applied. Students are seeded from the synthetic generator with a fixed <c>updated_at</c>.
/// </summary>
internal sealed class BatchHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset SeededAt = new(2026, 9, 1, 2, 0, 0, TimeSpan.Zero);
    public const int StudentSeed = 11;
    private readonly ServiceProvider _provider;

    private BatchHarness(ServiceProvider provider, TestDatabase database, string storePath)
    {
        _provider = provider;
        Database = database;
        StorePath = storePath;
    }

    public TestDatabase Database { get; }

    public string StorePath { get; }

    public IServiceProvider Services => _provider;

    public ISkillInferenceService Service => _provider.GetRequiredService<ISkillInferenceService>();

    public ModelRegistry Registry => _provider.GetRequiredService<ModelRegistry>();

    public BatchRunner Runner => _provider.GetRequiredService<BatchRunner>();

    public ShardHandler Handler => _provider.GetRequiredService<ShardHandler>();

    public IAssessmentStore Store => _provider.GetRequiredService<IAssessmentStore>();

    public IFeatureSource Source => _provider.GetRequiredService<IFeatureSource>();

    public IStudentDataWriter Writer => _provider.GetRequiredService<IStudentDataWriter>();

    public FakeLogCollector Logs => _provider.GetRequiredService<FakeLogCollector>();

    public static SyntheticDataGenerator Generator { get; } = new(SampleStore.Catalog, new SyntheticDataOptions { Seed = StudentSeed });

    public static async Task<BatchHarness> StartAsync(TestDatabase database, Action<BatchOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var storePath = SampleStore.Copy();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        var builder = collection.AddSkillInference(o => o.RetiredModelGracePeriod = TimeSpan.Zero).UseFileSystemModelStore(storePath);
        database.Use(builder);
        builder.AddBatchInference(o =>
        {
            o.ShardSize = 250;
            o.ItemRetryDelay = TimeSpan.Zero;
            o.ShardRetryDelay = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        services?.Invoke(collection);
        var harness = new BatchHarness(collection.BuildServiceProvider(), database, storePath);
        await harness.Services.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
        await harness.Service.RefreshAsync();
        return harness;
    }

    /// <summary>Seeds students 0..count-1 of the generator (features and teacher ratings).</summary>
    public async Task SeedAsync(int count, DateTimeOffset? updatedAt = null)
    {
        var students = Generator.Generate(0, count).ToArray();
        await Writer.UpsertStudentFeaturesAsync([.. students.Select(s => SyntheticStudentData.ToStudentFeatures(Generator, s, updatedAt ?? SeededAt))]);
        await Writer.UpsertTeacherRatingsAsync([.. students.SelectMany(s => SyntheticStudentData.ToTeacherRatings(Generator, s, updatedAt ?? SeededAt))]);
    }

    public async Task<List<SkillAssessment>> AssessmentsAsync(Guid? runId = null)
    {
        var rows = new List<SkillAssessment>();
        await foreach (var row in Store.ReadAssessmentsAsync(runId))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The seeded student at an index, as <see cref="SeedAsync"/> wrote it (features by group).</summary>
    public static StudentFeatures Seeded(int index) => SyntheticStudentData.ToStudentFeatures(Generator, Generator.Generate(index), SeededAt);

    /// <summary>The stored students' features by student, read back through the feature source (the values that are not missing).</summary>
    public async Task<Dictionary<string, Dictionary<string, double?>>> StoredAsync(params string[] studentIds)
    {
        var block = await Source.ReadStudentsAsync(studentIds);
        var rows = block.Rows;
        var stored = new Dictionary<string, Dictionary<string, double?>>(StringComparer.Ordinal);
        for (var row = 0; row < block.Count; row++)
        {
            Assert.IsNull(block.ReadErrors[row], block.ReadErrors[row]);
            stored[block.StudentIdOf(row)] = Enumerable.Range(0, rows.Width)
                .Where(c => !rows.MissingOf(row)[c])
                .ToDictionary(c => rows.FeatureNames[c], c => (double?)rows.Row(row)[c], StringComparer.Ordinal);
        }

        return stored;
    }

    /// <summary>What online inference (<c>InferAsync</c>, one skill at a time) gives for a student's features.</summary>
    public async Task<InferenceResult> OnlineAsync(string studentId, IReadOnlyDictionary<string, double?> features, string skill)
    {
        var names = Service.LoadedModels.First(m => m.Skill == skill && m.Role == "deployed").Manifest.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var used = features.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return await Service.InferAsync(new InferenceRequest(skill, used, studentId));
    }

    public BatchOptions Options => _provider.GetRequiredService<IOptions<BatchOptions>>().Value;

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await Database.DisposeAsync();
    }
}
