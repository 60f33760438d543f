using System.Text.Json;
using System.Text.Json.Nodes;
using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Schema;
using SkillInference.Serialization;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary><c>skillinf import onnx</c> end to end: files in, a published (and deployed) onnx bundle out, served by the service.</summary>
[TestClass]
public sealed class OnnxImportCommandTests
{
    private const string Skill = "collaboration";

    // The export's schema writes the samples' median/mean rules as constants: a schema change, so a MAJOR version.
    private const string Version = "2.0.0";

    [TestMethod]
    public async Task ImportOnnx_ModelScalerAndSchemaWithDeploy_ServiceServesTheOnnxVersionAsMlNetScores()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);
        var store = SampleStore.Copy();

        var run = await Skillinf.RunAsync(
            "import", "onnx", "--model", files.Model, "--scaler", files.Scaler, "--schema", files.Schema,
            "--skill", Skill, "--version", Version, "--store", store, "--deploy",
            "--description", "FastTree via ONNX", "--actor", "ops-dana", "--reason", "try ONNX Runtime");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.Contains("input Features [N, 14], probability from output Probability.output column 0", run.Output);
        Assert.Contains($"Published {Skill}@{Version} (onnx, 14 features, with scaler)", run.Output);
        Assert.Contains($"Deployed {Skill}@{Version}", run.Output);

        await using var harness = await OnnxHarness.StartAsync(store);
        var reference = new MlNetReference(mlnet);
        foreach (var row in SampleRows.Requests(mlnet.Schema, 500))
        {
            var result = await harness.Service.InferAsync(new InferenceRequest(Skill, row));
            Assert.AreEqual(Version, result.ModelVersion);
            Assert.AreEqual(reference.PredictRaw(SampleRows.Imputed(mlnet, row)), result.Score, 1e-5);
        }
    }

    [TestMethod]
    public async Task ImportOnnx_Published_ManifestRecordsTheOnnxBlockAndTheSchema()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);
        var store = SampleStore.Copy();

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--scaler", files.Scaler, "--schema", files.Schema, "--skill", Skill, "--version", Version, "--store", store);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var bundleDir = Path.Combine(store, "skills", Skill, Version);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(bundleDir, "manifest.json")))!;
        Assert.AreEqual("onnx", manifest["format"]!.GetValue<string>());
        Assert.AreEqual("model.onnx", manifest["modelFile"]!.GetValue<string>());
        Assert.AreEqual("Features", manifest["onnx"]!["input"]!.GetValue<string>());
        Assert.AreEqual("Probability.output", manifest["onnx"]!["output"]!.GetValue<string>());
        Assert.AreEqual(0, manifest["onnx"]!["positiveIndex"]!.GetValue<int>());
        CollectionAssert.AreEqual(mlnet.Schema.Features.Select(f => f.Name).ToArray(), manifest["features"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToArray());
        Assert.IsTrue(manifest["importance"]!.AsArray().All(i => i!["gain"]!.GetValue<double>() == 0));
        var registry = await SampleStore.OpenRegistry(store).ReadAsync();
        Assert.AreEqual("1.0.0", registry.Document.Skills[Skill].Deployed, "published without --deploy");
    }

    [TestMethod]
    public async Task ImportOnnx_FeatureNamesWithoutSchema_GivesPermissiveNativeSpecs()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);
        var store = TempDirectory.Create("store");
        var names = string.Join(',', mlnet.Schema.Features.Select(f => f.Name));

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--feature-names", names, "--skill", Skill, "--version", "1.0.0", "--store", store, "--out", Path.Combine(store, "out"));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var bundle = await ModelBundle.ReadDirectoryAsync(Path.Combine(store, "out"));
        Assert.IsTrue(bundle.Schema.Features.All(f => f.Group == FeatureGroup.Other && f.Missing.Rule == MissingValueStrategy.Native && !f.Required));
        Assert.IsNull(bundle.Manifest.Scaler);
    }

    [TestMethod]
    public async Task ImportOnnx_CatalogAsSchema_TakesTheSkillsFeaturesAndNeedsTheirTrainingMedians()
    {
        var files = await WriteExportAsync(await SampleStore.LoadBundleAsync(Skill));

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--schema", SampleStore.CatalogPath, "--skill", Skill, "--version", "1.1.0", "--store", SampleStore.Copy());

        // The catalog's 14 collaboration features fit the model's width; their median rules need statistics an ONNX file lacks.
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.Contains("imputes the training median, but the bundle has no finite statistic", run.Error);
        Assert.DoesNotContain("takes 14 features", run.Error);
    }

    [TestMethod]
    public async Task ImportOnnx_FeatureNamesFewerThanTheModelsInput_NamesBothCounts()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);
        var names = string.Join(',', mlnet.Schema.Features.Take(13).Select(f => f.Name));

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--feature-names", names, "--skill", Skill, "--version", "1.1.0", "--store", SampleStore.Copy());

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.Contains("error: The ONNX model takes 14 features", run.Error);
        Assert.Contains("the schema lists 13", run.Error);
    }

    [TestMethod]
    public async Task ImportOnnx_GarbageModel_FailsWithoutPublishing()
    {
        var dir = TempDirectory.Create("export");
        var model = Path.Combine(dir, "model.onnx");
        await File.WriteAllTextAsync(model, "this is not a model");
        var store = SampleStore.Copy();

        var run = await Skillinf.RunAsync("import", "onnx", "--model", model, "--feature-names", "a,b", "--skill", Skill, "--version", "1.1.0", "--store", store);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.Contains("error: The ONNX model cannot be loaded by ONNX Runtime", run.Error);
        Assert.IsFalse(Directory.Exists(Path.Combine(store, "skills", Skill, "1.1.0")));
    }

    [TestMethod]
    public async Task ImportOnnx_OutputThatDoesNotExist_ListsTheModelsOutputs()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--schema", files.Schema, "--output", "probabilities", "--skill", Skill, "--version", "1.1.0", "--store", SampleStore.Copy());

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.Contains("has no output 'probabilities'; its outputs are: Features.output (float tensor [-1, 14]), PredictedLabel.output (bool tensor [-1, 1]), Score.output (float tensor [-1, 1]), Probability.output (float tensor [-1, 1])", run.Error);
    }

    [TestMethod]
    public async Task ImportOnnx_ExplicitOutputAndPositiveIndex_AreRecorded()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var files = await WriteExportAsync(mlnet);
        var outDir = Path.Combine(TempDirectory.Create(), "bundle");

        var run = await Skillinf.RunAsync("import", "onnx", "--model", files.Model, "--schema", files.Schema, "--scaler", files.Scaler, "--input", "Features", "--output", "Probability.output", "--positive-index", "0", "--skill", Skill, "--version", Version, "--store", SampleStore.Copy(), "--out", outDir);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var bundle = await ModelBundle.ReadDirectoryAsync(outDir);
        Assert.AreEqual(new OnnxSettings { Input = "Features", Output = "Probability.output", PositiveIndex = 0 }, bundle.Manifest.Onnx);
    }

    /// <summary>
    /// What an exporter would hand over for the sample model: model.onnx, scaler.json, and a schema whose median/mean rules
    /// are written as constants of the training statistic (an ONNX file carries no statistics).
    /// </summary>
    private static async Task<(string Model, string Scaler, string Schema)> WriteExportAsync(ModelBundle mlnet)
    {
        var dir = TempDirectory.Create("export");
        var model = Path.Combine(dir, "model.onnx");
        await File.WriteAllBytesAsync(model, await OnnxTestModels.ConvertSampleAsync(mlnet.Skill));

        var scaler = Path.Combine(dir, "scaler.json");
        await File.WriteAllTextAsync(scaler, JsonSerializer.Serialize(new { kind = "standard", mean = mlnet.Manifest.Scaler!.Mean, scale = mlnet.Manifest.Scaler.Scale }));

        var specs = mlnet.Manifest.Features.Select((f, i) => f.Missing.Rule switch
        {
            MissingValueStrategy.Median => f with { Missing = MissingValueRule.Constant(mlnet.Manifest.Statistics[i].Median) },
            MissingValueStrategy.Mean => f with { Missing = MissingValueRule.Constant(mlnet.Manifest.Statistics[i].Mean) },
            _ => f,
        }).ToList();
        var schema = Path.Combine(dir, "features.json");
        await File.WriteAllTextAsync(schema, $"{{\"features\": {JsonSerializer.Serialize(specs, SkillInferenceJsonContext.Default.ListFeatureSpec)}}}");
        return (model, scaler, schema);
    }
}
