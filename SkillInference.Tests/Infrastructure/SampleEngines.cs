using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Tests.Onnx;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// Every engine the sample models are served on: the seven FastTree samples as mlnet bundles (the compiled evaluator and
/// ML.NET's PredictionEngine) and converted to onnx bundles (ONNX Runtime and ML.NET's OnnxTransformer), each with the
/// engine name the service must report, so that a test parameterized by them cannot run another engine unnoticed.
/// </summary>
internal static class SampleEngines
{
    /// <summary>Rows of (format, <see cref="ScoringEngine"/>, the engine name <see cref="LoadedModelInfo.Engine"/> must show).</summary>
    public static IEnumerable<object[]> All =>
    [
        [ModelFormats.MlNet, ScoringEngine.Compiled, "compiled-trees"],
        [ModelFormats.MlNet, ScoringEngine.Reference, "mlnet"],
        [ModelFormats.Onnx, ScoringEngine.Auto, "onnxruntime"],
        [ModelFormats.Onnx, ScoringEngine.Reference, "mlnet-onnx"],
    ];

    /// <summary>The service over the samples as <paramref name="format"/> bundles on <paramref name="engine"/>, checked to serve every skill on <paramref name="engineName"/>.</summary>
    public static async Task<ServiceHarness> StartAsync(string format, ScoringEngine engine, string engineName)
    {
        var harness = format == ModelFormats.Onnx
            ? await OnnxHarness.StartAsync(await OnnxTestModels.StoreWithOnnxDeployedAsync([.. SampleStoreSkills.Ids]), engine)
            : await ServiceHarness.StartAsync(SampleStore.Path, engine: engine);
        try
        {
            AssertServedBy(harness.Service, format, engineName);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every sample skill's deployed model is a <paramref name="format"/> bundle scored by the engine named <paramref name="engineName"/>.</summary>
    public static void AssertServedBy(ISkillInferenceService service, string format, string engineName)
    {
        var deployed = service.LoadedModels.Where(m => m.Role == "deployed").ToArray();
        Assert.HasCount(SampleStoreSkills.Ids.Count, deployed, "every sample skill is served");
        foreach (var model in deployed)
        {
            Assert.AreEqual(format, model.Manifest.Format, model.Skill);
            Assert.AreEqual(engineName, model.Engine, model.Skill);
        }
    }
}
