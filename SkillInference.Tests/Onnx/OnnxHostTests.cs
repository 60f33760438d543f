using System.Net;
using SkillInference.Inference;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>The real host serves an onnx bundle deployed in its store (the host registers the ONNX format).</summary>
[TestClass]
public sealed class OnnxHostTests
{
    private const string Skill = "collaboration";
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = new SkillInferenceHostFactory(await OnnxTestModels.StoreWithOnnxDeployedAsync(Skill));
        _client = await _factory.CreateReadyClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task Infer_OnnxVersionDeployed_ReturnsItsScore()
    {
        var mlnet = await SampleStore.LoadBundleAsync(Skill);
        var reference = new MlNetReference(mlnet);
        foreach (var row in SampleRows.Requests(mlnet.Schema, 50))
        {
            using var response = await _client.PostJsonAsync("/api/v1/skills/infer", InferRequestJson.For(Skill, row));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
            var result = await response.ReadJsonAsync();

            Assert.AreEqual(OnnxTestModels.Version, result["modelVersion"]!.GetValue<string>());
            var inProcess = await _factory.Inference.InferAsync(new InferenceRequest(Skill, row, "s-0001"));
            Assert.AreEqual(inProcess.Score, result["score"]!.GetValue<double>());
            Assert.AreEqual(reference.PredictRaw(SampleRows.Imputed(mlnet, row)), result["score"]!.GetValue<double>(), 1e-5);
        }
    }

    [TestMethod]
    public async Task Infer_OnnxVersionWithExplain_Is422ExplanationUnavailable()
    {
        var row = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0];

        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", InferRequestJson.For(Skill, row, explain: true));

        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.AreEqual("Explanation unavailable", problem["title"]!.GetValue<string>());
        Assert.Contains($"{Skill}@{OnnxTestModels.Version} (engine onnxruntime)", problem["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Models_OnnxVersionDeployed_ListsItAsDeployed()
    {
        var models = await _client.GetJsonAsync("/api/v1/skills/models");

        Assert.Contains($"\"{OnnxTestModels.Version}\"", models.ToJsonString());
        Assert.AreEqual(OnnxTestModels.Version, _factory.Inference.Status.LiveVersions[Skill]);
    }
}
