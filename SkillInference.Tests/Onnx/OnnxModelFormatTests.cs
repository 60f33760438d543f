using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Onnx.Engine;
using SkillInference.Tests.Infrastructure;
using static SkillInference.Tests.Onnx.TinyOnnx;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// Which input and output the ONNX format uses, and every model it refuses, with a message that says what to do, on
/// both ONNX engines: ONNX Runtime (Auto) and ML.NET's OnnxTransformer (Reference) resolve the graph the same way.
/// </summary>
[TestClass]
public sealed class OnnxModelFormatTests
{
    private const string Skill = "collaboration";

    public static IEnumerable<object[]> Engines => [[ScoringEngine.Auto], [ScoringEngine.Reference]];

    [TestMethod]
    [DataRow(ScoringEngine.Auto, "onnxruntime")]
    [DataRow(ScoringEngine.Compiled, "onnxruntime")]
    [DataRow(ScoringEngine.Reference, "mlnet-onnx")]
    public async Task Load_MlNetConvertedModel_ReadsColumn0OfTheOneColumnProbabilityOutput(ScoringEngine engine, string engineName)
    {
        using var model = Load(await OnnxTestModels.SampleBundleAsync(Skill), engine);

        Assert.AreEqual(engineName, model.Engine);
        Assert.AreEqual(14, model.FeatureCount);
        Assert.AreEqual(new OnnxSignature("Features", 14, true, "Probability.output", 1, 2, 0), SignatureOf(model));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_TwoColumnProbabilityOutput_TakesColumn1(ScoringEngine engine)
    {
        using var model = Load(TinyBundles.Create(PassThrough(Tensor("X", FloatElement, -1, 2), Tensor("probabilities", FloatElement, -1, 2)), 2), engine);

        Assert.AreEqual(0.75f, model.Predict([0.25f, 0.75f]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_PositiveIndexInManifest_TakesThatColumn(ScoringEngine engine)
    {
        var bundle = TinyBundles.Create(PassThrough(Tensor("X", FloatElement, -1, 2), Tensor("probabilities", FloatElement, -1, 2)), 2, new OnnxSettings { PositiveIndex = 0 });
        using var model = Load(bundle, engine);

        Assert.AreEqual(0.25f, model.Predict([0.25f, 0.75f]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_OutputNamedInManifest_UsesItThoughItsNameLacksProb(ScoringEngine engine)
    {
        var graph = PassThrough(Tensor("X", FloatElement, -1, 3), Tensor("scores", FloatElement, -1, 3), Tensor("probability", FloatElement, -1, 3));
        using var model = Load(TinyBundles.Create(graph, 3, new OnnxSettings { Output = "scores", PositiveIndex = 2 }), engine);

        Assert.AreEqual(0.5f, model.Predict([0.1f, 0.2f, 0.5f]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_FirstProbOutputNotFloat_SkipsToTheFirstUsableOne(ScoringEngine engine)
    {
        var graph = WithInt64CastFirst(Tensor("X", FloatElement, -1, 2), "prob_label", Tensor("probabilities", FloatElement, -1, 2));
        using var model = Load(TinyBundles.Create(graph, 2), engine);

        Assert.AreEqual("probabilities", SignatureOf(model).OutputName);
        Assert.AreEqual(0.75f, model.Predict([0.25f, 0.75f]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_FixedBatchDimensionOfOne_ScoresBatchesRowByRow(ScoringEngine engine)
    {
        using var model = Load(TinyBundles.Create(PassThrough(Tensor("X", FloatElement, 1, 2), Tensor("probabilities", FloatElement, 1, 2)), 2), engine);
        var probabilities = new float[3];

        model.PredictBatch([0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f], probabilities);

        CollectionAssert.AreEqual(new[] { 0.1f, 0.2f, 0.3f }, probabilities);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public async Task Load_ModelInputWiderThanTheSchema_NamesBothCounts(ScoringEngine engine)
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var bundle = ModelBundle.Create(
            mlnet.Manifest with
            {
                Format = ModelFormats.Onnx,
                ModelFile = "model.onnx",
                Features = [.. mlnet.Manifest.Features.Take(13)],
                Scaler = null,
                Statistics = [.. mlnet.Manifest.Statistics.Take(13)],
                Importance = [],
                TreeCovers = null,
            },
            await OnnxTestModels.ConvertSampleAsync(Skill));

        var ex = Assert.Throws<BundleValidationException>(() => Load(bundle, engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("takes 14 features", ex.Message);
        Assert.Contains("the schema lists 13", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_GarbageBytes_IsInvalidModel(ScoringEngine engine)
    {
        var garbage = new byte[512];
        new Random(3).NextBytes(garbage);

        var ex = Assert.Throws<BundleValidationException>(() => Load(TinyBundles.Create(garbage, 2), engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("tiny@1.0.0 cannot be loaded by ONNX Runtime", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public async Task Load_OutputNameThatDoesNotExist_ListsTheOutputs(ScoringEngine engine)
    {
        var bundle = await OnnxTestModels.SampleBundleAsync(Skill);
        bundle = ModelBundle.Create(bundle.Manifest with { Onnx = new OnnxSettings { Output = "probability" } }, bundle.ModelBytes);

        var ex = Assert.Throws<BundleValidationException>(() => Load(bundle, engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("has no output 'probability'", ex.Message);
        foreach (var output in new[] { "Features.output", "PredictedLabel.output", "Score.output", "Probability.output" })
        {
            Assert.Contains(output, ex.Message);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_ZipMapOutput_SaysToExportWithTheZipMapDisabled(ScoringEngine engine)
    {
        var ex = Assert.Throws<BundleValidationException>(() => Load(TinyBundles.Create(WithZipMap(2), 2), engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("ZipMap", ex.Message);
        Assert.Contains("output_probability", ex.Message);
        Assert.Contains("zipmap': False", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public async Task Load_TwoInputs_SaysToExportOneFeatureVectorInput(ScoringEngine engine)
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var bundle = OnnxTestModels.BuildBundle(mlnet, await OnnxTestModels.ConvertSampleAsync(Skill));
        bundle = ModelBundle.Create(bundle.Manifest with { Onnx = null }, OnnxTestModels.Convert(mlnet, extraInputColumn: true));

        var ex = Assert.Throws<BundleValidationException>(() => Load(bundle, engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("has 2 inputs", ex.Message);
        Assert.Contains("Weight", ex.Message);
        Assert.Contains("only the Features column", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_DoubleInput_SaysTheInputMustBeFloat(ScoringEngine engine)
    {
        var ex = Assert.Throws<BundleValidationException>(() => Load(TinyBundles.Create(PassThrough(Tensor("X", DoubleElement, -1, 2), Tensor("probabilities", DoubleElement, -1, 2)), 2), engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("input X of type double tensor [-1, 2]", ex.Message);
        Assert.Contains("must be a float (float32) tensor", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_NoOutputNamedProb_SaysToNameTheOutput(ScoringEngine engine)
    {
        var ex = Assert.Throws<BundleValidationException>(() => Load(TinyBundles.Create(PassThrough(Tensor("X", FloatElement, -1, 2), Tensor("scores", FloatElement, -1, 2)), 2), engine));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("no usable probability output", ex.Message);
        Assert.Contains("scores (float tensor [-1, 2])", ex.Message);
        Assert.Contains("--output", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_PositiveIndexOutsideTheOutput_IsRefused(ScoringEngine engine)
    {
        var bundle = TinyBundles.Create(PassThrough(Tensor("X", FloatElement, -1, 2), Tensor("probabilities", FloatElement, -1, 2)), 2, new OnnxSettings { PositiveIndex = 2 });

        var ex = Assert.Throws<BundleValidationException>(() => Load(bundle, engine));

        Assert.Contains("positive index 2 is outside output probabilities, which has 2 column(s)", ex.Message);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Load_InputNameThatDoesNotExist_NamesTheRealInput(ScoringEngine engine)
    {
        var bundle = TinyBundles.Create(PassThrough(Tensor("X", FloatElement, -1, 2), Tensor("probabilities", FloatElement, -1, 2)), 2, new OnnxSettings { Input = "features" });

        var ex = Assert.Throws<BundleValidationException>(() => Load(bundle, engine));

        Assert.Contains("has no input 'features'", ex.Message);
        Assert.Contains("its only input is X", ex.Message);
    }

    private static IScoringModel Load(ModelBundle bundle, ScoringEngine engine) => new OnnxModelFormat().Load(bundle, engine);

    private static OnnxSignature SignatureOf(IScoringModel model) => model switch
    {
        OnnxScoringModel onnxRuntime => onnxRuntime.Signature,
        MlNetOnnxScoringModel mlnet => mlnet.Signature,
        _ => throw new AssertFailedException($"{model.GetType().Name} is not an ONNX engine."),
    };
}
