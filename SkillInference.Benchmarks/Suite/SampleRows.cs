using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Benchmarks.Suite;

/// <summary>The seven sample models (in the suite's work folder) and distinct synthetic students for them.</summary>
internal static class SampleRows
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (SkillCatalog Catalog, TrainingDataset Data)? _cached;

    /// <summary>The store, its catalog and at least <paramref name="rows"/> synthetic students (seed 2026, not the training seed).</summary>
    public static async Task<(string Store, SkillCatalog Catalog, TrainingDataset Data)> LoadAsync(int rows)
    {
        await Gate.WaitAsync();
        try
        {
            if (_cached is not { } c || c.Data.RowCount < rows)
            {
                var (_, catalog, data) = await BenchmarkStore.CreateAsync(BenchWork.SampleStore, Math.Max(rows, SuiteModels.SingleRowCount));
                _cached = (catalog, data);
            }

            return (BenchWork.SampleStore, _cached.Value.Catalog, _cached.Value.Data);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The deployed bundle of <paramref name="skill"/> and <paramref name="count"/> rows prepared as the service prepares them.</summary>
    public static async Task<(ModelBundle Bundle, float[][] Rows)> PrepareAsync(string skill, int count)
    {
        var (store, _, data) = await LoadAsync(count);
        var registry = new ModelRegistry(new FileSystemModelStore(store), formats: BuiltInModelFormats.Create());
        var deployed = (await registry.ReadAsync()).Document.Skills[skill].Deployed ?? throw new InvalidOperationException($"{skill} is not deployed in {store}.");
        var bundle = await registry.Bundles.ReadAsync(skill, deployed);
        var builder = new FeatureVectorBuilder(skill, bundle.Schema, bundle.Manifest);
        var n = bundle.Schema.Count;
        var names = bundle.Schema.Features.Select(f => f.Name).ToArray();
        var rows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new float[n];
            List<FeatureError>? errors = null;
            if (!builder.TryBuild(BenchmarkStore.Row(data, names, i), rows[i], new double[n], new bool[n], ref errors))
            {
                throw new InvalidOperationException($"Synthetic row {i} does not fit {skill}'s schema: {errors?.FirstOrDefault()?.Message}");
            }
        }

        return (bundle, rows);
    }
}
