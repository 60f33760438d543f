using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// The sample FastTree models converted to ONNX by ML.NET and served through the service on ONNX Runtime score as
/// ML.NET's own PredictionEngine does on the original model, for every sample skill and every student of the training
/// data, rows with missing values included (ONNX Runtime sums trees in float, so not bit for bit: within 1e-5).
/// </summary>
[TestClass]
public sealed class OnnxParityTests
{
    private const double Tolerance = 1e-5;
    private static ServiceHarness _harness = null!;

    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Skills => SampleStoreSkills.Ids.Select(s => new object[] { s });

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context) =>
        _harness = await OnnxHarness.StartAsync(await OnnxTestModels.StoreWithOnnxDeployedAsync([.. SampleStoreSkills.Ids]));

    [ClassCleanup]
    public static async Task CleanupAsync() => await _harness.DisposeAsync();

    [TestMethod]
    [DynamicData(nameof(Skills))]
    public async Task InferAsync_EveryStudent_WithinToleranceOfMlNetOnTheFastTreeModel(string skill)
    {
        var mlnet = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(mlnet);
        var rows = SampleRows.Requests(mlnet.Schema, SampleStore.Students);
        var withMissing = rows.Count(r => r.Count < mlnet.Schema.Count);
        Assert.IsGreaterThan(100, withMissing, "rows with missing values");

        var maxDelta = 0.0;
        foreach (var row in rows)
        {
            var result = await _harness.Service.InferAsync(new InferenceRequest(skill, row));
            Assert.AreEqual(OnnxTestModels.Version, result.ModelVersion);

            var expected = (double)reference.PredictRaw(Imputed(mlnet, row));
            var delta = Math.Abs(expected - result.Score);
            maxDelta = Math.Max(maxDelta, delta);
            Assert.AreEqual(expected, result.Score, Tolerance);
        }

        TestContext.WriteLine($"{skill}: {rows.Count} rows ({withMissing} with missing values), max |Δp| = {maxDelta:E2}");
    }

    [TestMethod]
    public void LoadedModels_OnnxVersions_RunOnOnnxRuntime()
    {
        var loaded = _harness.Service.LoadedModels.Where(m => m.Role == "deployed").ToArray();

        Assert.HasCount(SampleStoreSkills.Ids.Count, loaded);
        Assert.IsTrue(loaded.All(m => m.Engine == "onnxruntime" && m.Version == OnnxTestModels.Version && m.Manifest.Format == ModelFormats.Onnx));
    }

    /// <summary>The raw row with the manifest's imputation applied (native features stay NaN), in schema order.</summary>
    internal static double[] Imputed(ModelBundle bundle, IReadOnlyDictionary<string, double?> row) =>
        [.. bundle.Schema.Features.Select((f, i) => row.TryGetValue(f.Name, out var v) ? v!.Value : f.Missing.Rule switch
        {
            MissingValueStrategy.Median => bundle.Manifest.Statistics[i].Median,
            MissingValueStrategy.Mean => bundle.Manifest.Statistics[i].Mean,
            MissingValueStrategy.Constant => f.Missing.Value!.Value,
            _ => double.NaN,
        })];
}
