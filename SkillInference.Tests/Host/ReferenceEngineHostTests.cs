using System.Net;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>
/// The host configured with <c>SkillInference:Engine=Reference</c> serves every sample skill through ML.NET's
/// PredictionEngine, and its scores over HTTP equal the compiled engine's bit for bit (both equal ML.NET FastTree exactly).
/// </summary>
[TestClass]
public sealed class ReferenceEngineHostTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?> { ["SkillInference:Engine"] = "Reference" });
        _client = await _factory.CreateReadyClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public void LoadedModels_EngineReferenceConfigured_EverySkillOnMlNet() =>
        SampleEngines.AssertServedBy(_factory.Inference, ModelFormats.MlNet, "mlnet");

    [TestMethod]
    public async Task Infer_EngineReferenceConfigured_ScoresEqualTheCompiledEngineBitForBit()
    {
        await using var compiled = await ServiceHarness.StartAsync(SampleStore.Path, engine: ScoringEngine.Compiled);
        SampleEngines.AssertServedBy(compiled.Service, ModelFormats.MlNet, "compiled-trees");

        foreach (var skill in SampleStoreSkills.Ids)
        {
            foreach (var row in SampleRows.Requests(SampleStore.Catalog[skill].Schema, 40))
            {
                using var response = await _client.PostJsonAsync("/api/v1/skills/infer", InferRequestJson.For(skill, row));
                Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
                var score = (await response.ReadJsonAsync())["score"]!.GetValue<double>();

                Assert.AreEqual((await compiled.Service.InferAsync(new InferenceRequest(skill, row))).Score, score, skill);
            }
        }
    }
}
