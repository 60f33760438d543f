using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Monitoring;

[TestClass]
public sealed class DriftCountersTests
{
    /// <summary>A service whose pipeline reports to its own drift monitor on a fixed clock.</summary>
    private static async Task<(ServiceHarness Harness, DriftMonitor Drift)> StartAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var drift = new DriftMonitor(Options.Create(new MonitoringOptions()), time);
        var harness = await ServiceHarness.StartAsync(configure: s => s.TryAddEnumerable(ServiceDescriptor.Singleton<IInferenceObserver>(drift)));
        return (harness, drift);
    }

    [TestMethod]
    public async Task Add_ABlockOfRows_CountsWhatTheSameRowsOneByOneCount()
    {
        var schema = SampleStore.Catalog["collaboration"].Schema;
        var requests = SampleRows.Requests(schema, 300).Select(f => new InferenceRequest("collaboration", f)).ToArray();
        var (blockHarness, block) = await StartAsync();
        var (singleHarness, single) = await StartAsync();
        await using (blockHarness)
        await using (singleHarness)
        {
            Assert.IsTrue((await blockHarness.Service.InferBatchAsync(requests)).All(o => o.IsSuccess));
            foreach (var request in requests)
            {
                await singleHarness.Service.InferAsync(request);
            }
        }

        var counted = block.Snapshot().Single();
        var expected = single.Snapshot().Single();
        Assert.AreEqual(300, counted.N);
        Assert.AreEqual(expected.N, counted.N);
        CollectionAssert.AreEqual(expected.ScoreCounts.ToArray(), counted.ScoreCounts.ToArray());
        Assert.AreEqual(expected.ScorePsi, counted.ScorePsi);
        CollectionAssert.AreEqual(expected.Features.Select(f => (f.Name, f.Psi)).ToArray(), counted.Features.Select(f => (f.Name, f.Psi)).ToArray());
        Assert.AreEqual(1, counted.Requests);
        Assert.AreEqual(300, expected.Requests);
    }
}
