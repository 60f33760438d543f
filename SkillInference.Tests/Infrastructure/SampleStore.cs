using System.Text;
using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// The seven sample bundles, trained once per test run from the real catalog and synthetic data (real ML.NET models),
/// plus the training data they came from. Tests that change a store work on a copy (<see cref="CopyAsync"/>).
/// </summary>
internal static class SampleStore
{
    public const int Students = 3_000;
    public const int Seed = 7;
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _path;
    private static SkillCatalog? _catalog;
    private static TrainingDataset? _data;

    /// <summary>The pristine store (do not modify: copy it).</summary>
    public static string Path => _path ?? throw new InvalidOperationException("SampleStore is not initialized.");

    public static SkillCatalog Catalog => _catalog ?? throw new InvalidOperationException("SampleStore is not initialized.");

    /// <summary>The synthetic training data the sample bundles were trained on.</summary>
    public static TrainingDataset Data => _data ?? throw new InvalidOperationException("SampleStore is not initialized.");

    public static string CatalogPath => System.IO.Path.Combine(AppContext.BaseDirectory, "samples", "skills.json");

    public static async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_path is not null)
            {
                return;
            }

            _catalog = await SkillCatalog.LoadAsync(CatalogPath, cancellationToken);
            var path = TempDirectory.Create("sample-store");
            var registry = new ModelRegistry(new FileSystemModelStore(path), formats: BuiltInModelFormats.Create());
            var options = new SampleModelOptions
            {
                Students = Students,
                Seed = Seed,
                Training = new SkillTrainingOptions { NumberOfTrees = 120 },
            };
            await SampleModels.CreateAsync(registry, _catalog, options, cancellationToken: cancellationToken);

            var csv = new StringBuilder();
            using (var writer = new StringWriter(csv))
            {
                new SyntheticDataGenerator(_catalog, new SyntheticDataOptions { Seed = Seed }).WriteCsv(writer, Students);
            }

            _data = TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(csv.ToString()));
            _path = path;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A private copy of the sample store that a test may change.</summary>
    public static string Copy()
    {
        var destination = TempDirectory.Create("store");
        TempDirectory.CopyTree(Path, destination);
        return destination;
    }

    public static ModelRegistry OpenRegistry(string path, TimeProvider? timeProvider = null) =>
        new(new FileSystemModelStore(path), timeProvider, BuiltInModelFormats.Create());

    public static async Task<ModelBundle> LoadBundleAsync(string skill, string version = "1.0.0") =>
        await OpenRegistry(Path).Bundles.ReadAsync(skill, version);
}
