using System.Text;
using SkillInference.Catalog;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Benchmarks;

/// <summary>The sample models, trained once into a temp store (or reused from SKILLINF_BENCH_STORE), and distinct input rows.</summary>
internal static class BenchmarkStore
{
    public static Task<(string Path, SkillCatalog Catalog, TrainingDataset Data)> CreateAsync() =>
        CreateAsync(Environment.GetEnvironmentVariable("SKILLINF_BENCH_STORE") is { Length: > 0 } p ? p : Path.Combine(Path.GetTempPath(), "skillinference-bench-store"), 20_000);

    /// <summary>The sample models in the store at <paramref name="path"/> (trained there when missing) and <paramref name="rows"/> synthetic rows.</summary>
    public static async Task<(string Path, SkillCatalog Catalog, TrainingDataset Data)> CreateAsync(string path, int rows)
    {
        var catalogPath = SkillCatalog.Locate() ?? throw new InvalidOperationException("samples/skills.json not found.");
        var catalog = await SkillCatalog.LoadAsync(catalogPath);
        var registry = new ModelRegistry(new FileSystemModelStore(path), formats: BuiltInModelFormats.Create());
        await SampleModels.CreateAsync(registry, catalog);

        // Rows the models were not trained on (different seed): realistic, distinct, with realistic missingness.
        var csv = new StringBuilder();
        using (var writer = new StringWriter(csv))
        {
            new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2026 }).WriteCsv(writer, rows);
        }

        return (path, catalog, TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(csv.ToString())));
    }

    public static Dictionary<string, double?> Row(TrainingDataset data, IEnumerable<string> features, int row) =>
        features.Where(f => !double.IsNaN(data.Column(f)[row])).ToDictionary(f => f, f => (double?)data.Column(f)[row], StringComparer.Ordinal);
}
