using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.Core.Trees;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

/// <summary>
/// What the Reference engines (ML.NET) do differently from the default ones: they cannot explain (they have no tree
/// covers, though the sample bundles do), and a format ML.NET cannot read is refused, not served by another engine.
/// </summary>
[TestClass]
public sealed class ReferenceEngineTests
{
    private const string Skill = "collaboration";

    /// <summary>The rows of <see cref="SampleEngines.All"/> on the Reference engine: mlnet and onnx bundles.</summary>
    public static IEnumerable<object[]> ReferenceEngines => SampleEngines.All.Where(r => (ScoringEngine)r[1] == ScoringEngine.Reference);

    [TestMethod]
    [DynamicData(nameof(ReferenceEngines))]
    public async Task InferAsync_Explain_IsExplanationUnavailableNamingTheEngine(string format, ScoringEngine engine, string engineName)
    {
        await using var harness = await SampleEngines.StartAsync(format, engine, engineName);
        var row = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0];

        var ex = await Assert.ThrowsAsync<InferenceException>(async () => await harness.Service.InferAsync(new InferenceRequest(Skill, row, Explain: true)));

        Assert.AreEqual(InferenceErrorKind.ExplanationUnavailable, ex.Kind);
        Assert.Contains($"(engine {engineName}) cannot explain", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(ReferenceEngines))]
    public async Task InferBatchAsync_ExplainOnOneItem_FailsOnlyThatItem(string format, ScoringEngine engine, string engineName)
    {
        await using var harness = await SampleEngines.StartAsync(format, engine, engineName);
        var rows = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 2);

        var outcomes = await harness.Service.InferBatchAsync([new InferenceRequest(Skill, rows[0], "a", Explain: true), new InferenceRequest(Skill, rows[1], "b")]);

        Assert.AreEqual(InferenceErrorKind.ExplanationUnavailable, outcomes[0].Error?.Kind);
        Assert.IsTrue(outcomes[1].IsSuccess, outcomes[1].Error?.Message);
    }

    [TestMethod]
    public async Task RefreshAsync_XGBoostBundleDeployed_FailsToLoadItAndServesTheOtherSkillsThroughMlNet()
    {
        var store = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(store);
        var change = new ChangeContext("reference-tests", "an xgboost-json skill beside the samples");
        var xgboost = XGBoostModelFormatTests.Bundle();
        await registry.PublishAsync(xgboost, change);
        await registry.DeployAsync(xgboost.Skill, "1.0.0", change);

        await using var harness = await ServiceHarness.StartAsync(store, engine: ScoringEngine.Reference);

        var failure = harness.Service.Status.Failures.Single(f => f.Skill == xgboost.Skill);
        Assert.Contains("has no Reference engine", failure.Reason);
        Assert.IsFalse(harness.Service.LoadedModels.Any(m => m.Skill == xgboost.Skill));
        SampleEngines.AssertServedBy(harness.Service, ModelFormats.MlNet, "mlnet");
    }
}
