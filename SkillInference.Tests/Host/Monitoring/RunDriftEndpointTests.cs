using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Monitoring;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary>
/// Drift per batch run: the scores a run stored, binned by the bundle's reference edges and compared by PSI, read back
/// from <c>GET /api/v1/monitoring/drift/runs/{runId}</c>.
/// </summary>
[TestClass]
public sealed class RunDriftEndpointTests
{
    [TestMethod]
    public async Task RunDrift_AfterABatchRun_EverySkillsScoresAgainstItsReference()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        using var operatorClient = factory.CreateAnonymousClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
        var generator = BatchHarness.Generator;
        await factory.Services.GetRequiredService<IStudentDataWriter>().UpsertStudentFeaturesAsync(
            [.. generator.Generate(0, 600).Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow))]);
        var run = await factory.Services.GetRequiredService<BatchRunner>().RunAsync(BatchMode.Full);
        var stored = new List<SkillAssessment>();
        await foreach (var a in factory.Services.GetRequiredService<IAssessmentStore>().ReadAssessmentsAsync(run.RunId))
        {
            stored.Add(a);
        }

        var body = await operatorClient.GetJsonAsync($"/api/v1/monitoring/drift/runs/{run.RunId}");

        var models = body["models"]!.AsArray();
        Assert.HasCount(SampleStore.Catalog.Skills.Count, models);
        foreach (var model in models)
        {
            var skill = model!["skill"]!.GetValue<string>();
            var reference = (await SampleStore.LoadBundleAsync(skill)).Manifest.Reference.Score!;
            var edges = reference.Edges.ToArray();
            var expected = new long[edges.Length - 1];
            foreach (var a in stored.Where(a => a.Skill == skill))
            {
                var bin = 0;
                while (bin < expected.Length - 1 && a.Score >= edges[bin + 1])
                {
                    bin++;
                }

                expected[bin]++;
            }

            Assert.AreEqual(600, model["n"]!.GetValue<long>(), skill);
            CollectionAssert.AreEqual(expected, model["scoreCounts"]!.AsArray().Select(c => c!.GetValue<long>()).ToArray(), skill);
            var psi = Statistics.PopulationStabilityIndex([.. reference.Counts], expected);
            Assert.AreEqual(psi, model["scorePsi"]!.GetValue<double>(), 1e-12, skill);
            var state = psi >= 0.25 ? "alert" : psi >= 0.1 ? "watch" : "ok";
            Assert.AreEqual(state, model["state"]!.GetValue<string>(), skill);
        }
    }

    [TestMethod]
    public async Task RunDrift_UnknownRun_Returns404Problem()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var operatorClient = factory.CreateAnonymousClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);

        using var response = await operatorClient.GetAsync(new Uri($"/api/v1/monitoring/drift/runs/{Guid.NewGuid()}", UriKind.Relative));

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
