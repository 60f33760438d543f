using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Trees;

namespace SkillInference.Tests.Core.Trees;

/// <summary>Which engines serve an xgboost-json bundle: the compiled evaluator; the Reference engine is refused (ML.NET cannot read XGBoost).</summary>
[TestClass]
public sealed class XGBoostModelFormatTests
{
    [TestMethod]
    [DataRow(ScoringEngine.Auto)]
    [DataRow(ScoringEngine.Compiled)]
    public void Load_AutoOrCompiled_ServesTheCompiledEvaluator(ScoringEngine engine)
    {
        using var model = new XGBoostModelFormat().Load(Bundle(), engine);

        Assert.AreEqual("compiled-trees", model.Engine);
        Assert.AreEqual(2, model.FeatureCount);
    }

    [TestMethod]
    public void Load_Reference_IsRefusedNamingTheEnginesThatServeIt()
    {
        var ex = Assert.Throws<BundleValidationException>(() => new XGBoostModelFormat().Load(Bundle(), ScoringEngine.Reference));

        Assert.AreEqual(BundleValidationErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("tiny_xgb@1.0.0 is an xgboost-json bundle, which has no Reference engine", ex.Message);
        Assert.Contains("ML.NET cannot read XGBoost models", ex.Message);
        Assert.Contains("Auto or Compiled", ex.Message);
    }

    /// <summary>A valid xgboost-json bundle (one tree over features a and b).</summary>
    internal static ModelBundle Bundle() => XGBoostBundleBuilder.Build(new XGBoostImportRequest { Skill = "tiny_xgb", Version = "1.0.0", ModelJson = XGBoostJsonImporterTests.NamedModel() });
}
