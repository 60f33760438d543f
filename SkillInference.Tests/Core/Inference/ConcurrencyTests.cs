using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

/// <summary>
/// Every engine is shared by all requests (ML.NET's PredictionEngine, which the Reference engines pool, is not
/// thread-safe): under contention each must give exactly the sequential results. Run on every engine of
/// <see cref="SampleEngines"/>, each checked to be the one serving.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    [TestMethod]
    [DynamicData(nameof(SampleEngines.All), typeof(SampleEngines))]
    public async Task InferAsync_ManyThreads_ResultsIdenticalToSequential(string format, ScoringEngine engine, string engineName)
    {
        await using var harness = await SampleEngines.StartAsync(format, engine, engineName);
        var requests = SampleStoreSkills.Ids
            .SelectMany(skill => SampleRows.Requests(SampleStore.Catalog[skill].Schema, 60).Select(r => new InferenceRequest(skill, r)))
            .ToArray();
        var sequential = new double[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            sequential[i] = (await harness.Service.InferAsync(requests[i])).Score;
        }

        var concurrent = new double[16][];
        await Parallel.ForAsync(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (t, ct) =>
        {
            var scores = new double[requests.Length];
            // Each thread walks the requests from a different offset so that engines are shared across skills and rows.
            for (var k = 0; k < requests.Length; k++)
            {
                var i = (k + (t * 37)) % requests.Length;
                scores[i] = (await harness.Service.InferAsync(requests[i], ct)).Score;
            }

            concurrent[t] = scores;
        });

        foreach (var scores in concurrent)
        {
            CollectionAssert.AreEqual(sequential, scores);
        }
    }

    [TestMethod]
    [DynamicData(nameof(SampleEngines.All), typeof(SampleEngines))]
    public async Task InferBatchAsync_ConcurrentBatches_ResultsIdenticalToSequential(string format, ScoringEngine engine, string engineName)
    {
        await using var harness = await SampleEngines.StartAsync(format, engine, engineName);
        var requests = SampleRows.Requests(SampleStore.Catalog["communication"].Schema, 500).Select(r => new InferenceRequest("communication", r)).ToArray();
        var expected = (await harness.Service.InferBatchAsync(requests)).Select(o => o.Result!.Score).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await harness.Service.InferBatchAsync(requests))));

        foreach (var outcomes in results)
        {
            CollectionAssert.AreEqual(expected, outcomes.Select(o => o.Result!.Score).ToArray());
        }
    }
}
