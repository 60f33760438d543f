using SkillInference.Bundles;
using SkillInference.Onnx;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;
using SkillInference.Trees;

namespace SkillInference.Tests.Onnx;

/// <summary>Building onnx bundles: where names and specs come from, what the manifest records, what is refused.</summary>
[TestClass]
public sealed class OnnxBundleBuilderTests
{
    private const string Skill = "collaboration";

    [TestMethod]
    public async Task Build_SampleModel_RecordsTheResolvedGraphSignatureAndProducer()
    {
        var bundle = await OnnxTestModels.SampleBundleAsync(Skill);

        Assert.AreEqual(ModelFormats.Onnx, bundle.Manifest.Format);
        Assert.AreEqual(OnnxBundleBuilder.ModelFileName, bundle.Manifest.ModelFile);
        Assert.AreEqual(new OnnxSettings { Input = "Features", Output = "Probability.output", PositiveIndex = 0 }, bundle.Manifest.Onnx);
        Assert.AreEqual("onnx (ML.NET)", bundle.Manifest.Trainer.Library);
        Assert.AreEqual("Probability.output", bundle.Manifest.Trainer.Parameters["output"]);
    }

    [TestMethod]
    public async Task Build_NoImportanceGiven_RecordsZerosForEveryFeature()
    {
        var bundle = await OnnxTestModels.SampleBundleAsync(Skill);

        Assert.HasCount(14, bundle.Manifest.Importance);
        Assert.IsTrue(bundle.Manifest.Importance.All(i => i.Gain == 0));
        CollectionAssert.AreEqual(bundle.Schema.Features.Select(f => f.Name).ToArray(), bundle.Manifest.Importance.Select(i => i.Feature).ToArray());
    }

    [TestMethod]
    public async Task Build_ImportanceGiven_RecordsIt()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var gains = mlnet.Manifest.Importance.Select(i => i.Gain).ToArray();

        var bundle = OnnxBundleBuilder.Build(await RequestAsync() with { Importance = gains });

        CollectionAssert.AreEqual(gains, bundle.Manifest.Importance.Select(i => i.Gain).ToArray());
    }

    [TestMethod]
    public async Task Build_NamesFromSpecsOfOtherCount_NamesBothCounts()
    {
        var request = await RequestAsync();

        var ex = Assert.Throws<ModelImportException>(() => OnnxBundleBuilder.Build(request with { FeatureNames = null, FeatureSpecs = [.. request.FeatureSpecs.Take(12)], Statistics = [] }));

        Assert.AreEqual(ModelImportErrorKind.SchemaMismatch, ex.Kind);
        Assert.Contains("takes 14 features but the schema lists 12", ex.Message);
    }

    [TestMethod]
    public async Task Build_NoNamesAndNoSpecs_AsksForFeatureNames()
    {
        var request = await RequestAsync();

        var ex = Assert.Throws<ModelImportException>(() => OnnxBundleBuilder.Build(request with { FeatureNames = null, FeatureSpecs = [], Statistics = [], Scaler = null }));

        Assert.Contains("takes 14 features but has no feature names", ex.Message);
        Assert.Contains("--feature-names", ex.Message);
    }

    [TestMethod]
    public async Task Build_ScalerOfOtherWidth_IsRefused()
    {
        var request = await RequestAsync();
        var scaler = new ScalerParameters { Mean = [.. request.Scaler!.Mean.Take(13)], Scale = [.. request.Scaler.Scale.Take(13)] };

        var ex = Assert.Throws<ModelImportException>(() => OnnxBundleBuilder.Build(request with { Scaler = scaler }));

        Assert.Contains("The scaler has 13 features but the model takes 14", ex.Message);
    }

    [TestMethod]
    public async Task Build_SpecForAFeatureTheModelLacks_IsRefused()
    {
        var request = await RequestAsync();
        var extra = new FeatureSpec { Name = "shoe_size", Group = FeatureGroup.Other };

        var ex = Assert.Throws<ModelImportException>(() => OnnxBundleBuilder.Build(request with { FeatureSpecs = [.. request.FeatureSpecs, extra] }));

        Assert.Contains("describes features the model does not have: shoe_size", ex.Message);
    }

    [TestMethod]
    public async Task Build_RepeatedFeatureName_IsRefused()
    {
        var request = await RequestAsync();
        var names = request.FeatureNames!.ToArray();
        names[13] = names[0];

        var ex = Assert.Throws<ModelImportException>(() => OnnxBundleBuilder.Build(request with { FeatureNames = names, FeatureSpecs = [], Statistics = [] }));

        Assert.Contains($"Feature names are repeated: {names[0]}", ex.Message);
    }

    [TestMethod]
    public void Build_GarbageBytes_IsInvalidModel()
    {
        var request = new OnnxImportRequest { Skill = Skill, Version = "1.0.0", Model = "not onnx"u8.ToArray(), FeatureNames = ["a", "b"] };

        var ex = Assert.Throws<BundleValidationException>(() => OnnxBundleBuilder.Build(request));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
    }

    private static async Task<OnnxImportRequest> RequestAsync()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        return new OnnxImportRequest
        {
            Skill = Skill,
            Version = "1.1.0",
            Model = await OnnxTestModels.ConvertSampleAsync(Skill),
            FeatureNames = [.. mlnet.Schema.Features.Select(f => f.Name)],
            FeatureSpecs = mlnet.Manifest.Features,
            Scaler = mlnet.Manifest.Scaler,
            Statistics = mlnet.Manifest.Statistics,
        };
    }
}
