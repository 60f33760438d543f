using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// The sample FastTree models converted to ONNX by ML.NET and served through the service, on both ONNX engines (ONNX
/// Runtime, and the Reference engine: ML.NET's OnnxTransformer), for every sample skill and every student of the
/// training data, rows with missing values included:
/// <list type="bullet">
/// <item>they score as ML.NET's own PredictionEngine does on the original FastTree model, within 1e-5 (ONNX Runtime sums
/// trees in float, ML.NET FastTree in double: not bit for bit);</item>
/// <item>they score as ONNX Runtime run directly on the same graph by the test, within 1e-6 (both engines run ONNX
/// Runtime underneath; the margin allows for another summation order, e.g. with the default thread pool).</item>
/// </list>
/// </summary>
[TestClass]
public sealed class OnnxParityTests
{
    private const double FastTreeTolerance = 1e-5;
    private const double OnnxRuntimeTolerance = 1e-6;
    private static readonly Dictionary<ScoringEngine, ServiceHarness> Harnesses = [];

    public TestContext TestContext { get; set; } = null!;

    /// <summary>The ONNX engines, with the name each reports.</summary>
    public static IEnumerable<object[]> Engines => [[ScoringEngine.Auto, "onnxruntime"], [ScoringEngine.Reference, "mlnet-onnx"]];

    /// <summary>Every sample skill on each ONNX engine.</summary>
    public static IEnumerable<object[]> SkillsOnEachEngine =>
        from skill in SampleStoreSkills.Ids
        from engine in Engines
        select new object[] { skill, engine[0], engine[1] };

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context)
    {
        var store = await OnnxTestModels.StoreWithOnnxDeployedAsync([.. SampleStoreSkills.Ids]);
        foreach (var engine in new[] { ScoringEngine.Auto, ScoringEngine.Reference })
        {
            Harnesses[engine] = await OnnxHarness.StartAsync(store, engine);
        }
    }

    [ClassCleanup]
    public static async Task CleanupAsync()
    {
        foreach (var harness in Harnesses.Values)
        {
            await harness.DisposeAsync();
        }
    }

    [TestMethod]
    [DynamicData(nameof(SkillsOnEachEngine))]
    public async Task InferAsync_EveryStudent_WithinToleranceOfMlNetOnTheFastTreeModel(string skill, ScoringEngine engine, string engineName)
    {
        var service = ServiceOn(engine, engineName);
        var mlnet = await SampleStore.LoadBundleAsync(skill);
        var reference = new MlNetReference(mlnet);

        var maxDelta = await MaxDeltaAsync(service, skill, mlnet.Schema, row => reference.PredictRaw(SampleRows.Imputed(mlnet, row)), FastTreeTolerance);

        TestContext.WriteLine($"{skill} on {engineName}: max |Δp| against ML.NET FastTree = {maxDelta:E2}");
    }

    [TestMethod]
    [DynamicData(nameof(SkillsOnEachEngine))]
    public async Task InferAsync_EveryStudent_WithinToleranceOfOnnxRuntimeRunDirectly(string skill, ScoringEngine engine, string engineName)
    {
        var service = ServiceOn(engine, engineName);
        var onnx = await OnnxTestModels.SampleBundleAsync(skill);
        using var reference = new OnnxRuntimeReference(onnx);

        var maxDelta = await MaxDeltaAsync(service, skill, onnx.Schema, row => reference.PredictRaw(SampleRows.Imputed(onnx, row)), OnnxRuntimeTolerance);

        TestContext.WriteLine($"{skill} on {engineName}: max |Δp| against ONNX Runtime run directly = {maxDelta:E2}");
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void LoadedModels_OnnxVersions_RunOnTheConfiguredEngine(ScoringEngine engine, string engineName)
    {
        var loaded = ServiceOn(engine, engineName).LoadedModels.Where(m => m.Role == "deployed").ToArray();

        Assert.IsTrue(loaded.All(m => m.Version == OnnxTestModels.Version));
    }

    /// <summary>The service on <paramref name="engine"/>, checked to serve every sample skill's onnx bundle on <paramref name="engineName"/>.</summary>
    private static ISkillInferenceService ServiceOn(ScoringEngine engine, string engineName)
    {
        var service = Harnesses[engine].Service;
        SampleEngines.AssertServedBy(service, ModelFormats.Onnx, engineName);
        return service;
    }

    /// <summary>Scores every student through the service, asserts each is within <paramref name="tolerance"/> of <paramref name="expected"/>, and returns the largest difference.</summary>
    private static async Task<double> MaxDeltaAsync(ISkillInferenceService service, string skill, FeatureSchema schema, Func<IReadOnlyDictionary<string, double?>, float> expected, double tolerance)
    {
        var rows = SampleRows.Requests(schema, SampleStore.Students);
        Assert.IsGreaterThan(100, rows.Count(r => r.Count < schema.Count), "rows with missing values");
        var maxDelta = 0.0;
        foreach (var row in rows)
        {
            var result = await service.InferAsync(new InferenceRequest(skill, row));
            Assert.AreEqual(OnnxTestModels.Version, result.ModelVersion);

            var want = (double)expected(row);
            maxDelta = Math.Max(maxDelta, Math.Abs(want - result.Score));
            Assert.AreEqual(want, result.Score, tolerance);
        }

        return maxDelta;
    }
}
