using Microsoft.Extensions.DependencyInjection;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Onnx;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>An onnx bundle through the inference service: batches, explanations, and the DI registration.</summary>
[TestClass]
public sealed class OnnxServiceTests
{
    private const string Skill = "collaboration";
    private static ServiceHarness _harness = null!;

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context) =>
        _harness = await OnnxHarness.StartAsync(await OnnxTestModels.StoreWithOnnxDeployedAsync(Skill));

    [ClassCleanup]
    public static async Task CleanupAsync() => await _harness.DisposeAsync();

    [TestMethod]
    public async Task InferBatchAsync_ThousandsOfStudents_EqualsInferAsyncOneByOne()
    {
        var schema = SampleStore.Catalog[Skill].Schema;
        var requests = SampleRows.Requests(schema, 2_500).Select((r, i) => new InferenceRequest(Skill, r, $"s-{i}")).ToArray();

        var batch = await _harness.Service.InferBatchAsync(requests);

        Assert.HasCount(requests.Length, batch);
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.IsTrue(batch[i].IsSuccess, batch[i].Error?.Message);
            var single = await _harness.Service.InferAsync(requests[i]);
            Assert.AreEqual(single.Score, batch[i].Result!.Score, $"row {i}");
            Assert.AreEqual(single.Confidence, batch[i].Result!.Confidence, $"row {i}");
            Assert.AreEqual(OnnxTestModels.Version, batch[i].Result!.ModelVersion);
        }
    }

    [TestMethod]
    public async Task InferAsync_Explain_IsExplanationUnavailable()
    {
        var row = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0];

        var ex = await Assert.ThrowsAsync<InferenceException>(async () => await _harness.Service.InferAsync(new InferenceRequest(Skill, row, Explain: true)));

        Assert.AreEqual(InferenceErrorKind.ExplanationUnavailable, ex.Kind);
        Assert.Contains("onnxruntime", ex.Message);
    }

    [TestMethod]
    public async Task InferBatchAsync_ExplainOnOneItem_FailsOnlyThatItem()
    {
        var rows = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 2);

        var outcomes = await _harness.Service.InferBatchAsync([new InferenceRequest(Skill, rows[0], "a", Explain: true), new InferenceRequest(Skill, rows[1], "b")]);

        Assert.AreEqual(InferenceErrorKind.ExplanationUnavailable, outcomes[0].Error?.Kind);
        Assert.IsTrue(outcomes[1].IsSuccess);
    }

    [TestMethod]
    public void AddOnnx_CalledTwice_RegistersTheOnnxFormatOnce()
    {
        var services = new ServiceCollection();
        services.AddSkillInference().UseFileSystemModelStore(TempDirectory.Create()).AddOnnx().AddOnnx();
        using var provider = services.BuildServiceProvider();

        var formats = provider.GetServices<IModelFormat>().Select(f => f.Format).ToArray();

        CollectionAssert.AreEquivalent(new[] { "mlnet", "xgboost-json", "onnx" }, formats);
    }

    [TestMethod]
    public void CreateWithBuiltIn_WithoutDependencyInjection_HasEveryFormat()
    {
        var formats = BuiltInModelFormats.Create().Append(OnnxModelFormats.Create()).Select(f => f.Format).ToArray();

        CollectionAssert.AreEquivalent(new[] { "mlnet", "xgboost-json", "onnx" }, formats);
    }

    [TestMethod]
    public async Task RefreshAsync_WithoutAddOnnx_DoesNotServeTheOnnxVersion()
    {
        await using var plain = await ServiceHarness.StartAsync(_harness.StorePath);

        Assert.IsFalse(plain.Service.LoadedModels.Any(m => m.Skill == Skill && m.Version == OnnxTestModels.Version));
        Assert.IsTrue(plain.Service.Status.Failures.Any(f => f.Skill == Skill && f.Reason.Contains("No engine for format 'onnx'", StringComparison.Ordinal)));
    }
}
