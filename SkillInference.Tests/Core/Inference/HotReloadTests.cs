using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

[TestClass]
public sealed class HotReloadTests
{
    private const string Skill = "collaboration";
    private static readonly ChangeContext Operator = new("test-operator", "hot reload test");

    [TestMethod]
    public async Task RefreshAsync_NewVersionDeployed_ServesItWithItsOwnScores()
    {
        await using var harness = await ServiceHarness.StartAsync();
        var next = TestBundles.Train(Skill, "1.1.0", trees: 25, seed: 3);
        await harness.Registry.PublishAsync(next, Operator);
        await harness.Registry.DeployAsync(Skill, "1.1.0", Operator);
        var row = SampleRows.CompleteRequests(next.Schema, 1)[0];

        await harness.Service.RefreshAsync();
        var result = await harness.Service.InferAsync(new InferenceRequest(Skill, row));

        Assert.AreEqual("1.1.0", result.ModelVersion);
        Assert.AreEqual((double)new MlNetReference(next).PredictRaw([.. next.Schema.Features.Select(f => row[f.Name]!.Value)]), result.Score);
        Assert.AreEqual("1.1.0", harness.Service.Status.LiveVersions[Skill]);
    }

    [TestMethod]
    public async Task RefreshAsync_DuringConcurrentRequests_NoFailuresAndEveryScoreMatchesItsVersion()
    {
        await using var harness = await ServiceHarness.StartAsync();
        var current = await harness.Registry.Bundles.ReadAsync(Skill, "1.0.0");
        var next = TestBundles.Train(Skill, "1.1.0", trees: 25, seed: 3);
        await harness.Registry.PublishAsync(next, Operator);
        var rows = SampleRows.CompleteRequests(current.Schema, 50);
        var expected = new Dictionary<string, double[]>
        {
            ["1.0.0"] = [.. rows.Select(r => (double)new MlNetReference(current).PredictRaw([.. current.Schema.Features.Select(f => r[f.Name]!.Value)]))],
            ["1.1.0"] = [.. rows.Select(r => (double)new MlNetReference(next).PredictRaw([.. next.Schema.Features.Select(f => r[f.Name]!.Value)]))],
        };
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var mismatches = 0;

        var load = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                var i = (k + t) % rows.Count;
                var result = await harness.Service.InferAsync(new InferenceRequest(Skill, rows[i]));
                seen.AddOrUpdate(result.ModelVersion, 1, (_, n) => n + 1);
                if (result.Score != expected[result.ModelVersion][i])
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();

        for (var round = 0; round < 3; round++)
        {
            await harness.Registry.DeployAsync(Skill, "1.1.0", Operator);
            await harness.Service.RefreshAsync();
            await Task.Delay(20);
            await harness.Registry.RollbackAsync(Skill, Operator);
            await harness.Service.RefreshAsync();
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load); // any exception in a request fails the test here

        Assert.AreEqual(0, mismatches);
        Assert.IsTrue(seen.ContainsKey("1.0.0") && seen.ContainsKey("1.1.0"), string.Join(", ", seen.Keys));
    }

    [TestMethod]
    public async Task RefreshAsync_NewVersionFailsToLoad_KeepsPreviousVersionLogsAndCounts()
    {
        await using var harness = await ServiceHarness.StartAsync();
        var metrics = harness.Services.GetRequiredService<SkillInferenceMetrics>();
        using var loads = new MetricCollector<long>(metrics.Meter, "skillinference.model.loads");
        await harness.Registry.PublishAsync(TestBundles.WithVersion(await harness.Registry.Bundles.ReadAsync(Skill, "1.0.0"), "1.0.1"), Operator);
        await harness.Registry.DeployAsync(Skill, "1.0.1", Operator);
        // The model file is damaged after the deploy was verified (a bad disk, a partial sync).
        await File.WriteAllTextAsync(Path.Combine(harness.StorePath, "skills", Skill, "1.0.1", "model.zip"), "not a model");

        await harness.Service.RefreshAsync();

        Assert.AreEqual("1.0.0", harness.Service.Status.LiveVersions[Skill]);
        Assert.AreEqual("1.0.0", (await harness.Service.InferAsync(new InferenceRequest(Skill, SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0]))).ModelVersion);
        var failure = harness.Service.Status.Failures.Single();
        Assert.AreEqual(("collaboration", "1.0.1"), (failure.Skill, failure.Version));
        Assert.Contains("checksum", failure.Reason);
        Assert.IsTrue(harness.Logs.GetSnapshot().Any(r => r.Id.Id == 2002 && r.Level == LogLevel.Error && r.Message.Contains("collaboration@1.0.0 keeps serving", StringComparison.Ordinal)));
        Assert.IsTrue(loads.GetMeasurementSnapshot().Any(m => m.Tags["outcome"] as string == "failure" && m.Tags["model_version"] as string == "1.0.1"));
    }

    [TestMethod]
    public async Task RefreshAsync_StoreDown_KeepsServingThenRecovers()
    {
        var path = SampleStore.Copy();
        var flaky = new FlakyModelStore(new FileSystemModelStore(path));
        await using var harness = await ServiceHarness.StartAsync(path, s => s.AddSingleton<IModelStore>(flaky));
        var request = new InferenceRequest(Skill, SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0]);

        flaky.Down = true;
        await harness.Service.RefreshAsync();

        Assert.IsNotNull(harness.Service.Status.LastError);
        Assert.IsTrue(harness.Service.Status.IsReady);
        Assert.AreEqual("1.0.0", (await harness.Service.InferAsync(request)).ModelVersion);

        flaky.Down = false;
        await harness.Service.RefreshAsync();

        Assert.IsNull(harness.Service.Status.LastError);
    }

    [TestMethod]
    public async Task ReloadService_AfterReloadInterval_PicksUpADeployWithoutAnExplicitRefresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var harness = await ServiceHarness.StartAsync(configure: s => s.AddSingleton<TimeProvider>(time), refresh: false);
        var hosted = harness.Services.GetServices<IHostedService>().OfType<SkillInference.Loading.ModelReloadService>().Single();
        await hosted.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(() => harness.Service.Status.IsReady);
            await harness.Registry.PublishAsync(TestBundles.WithVersion(await harness.Registry.Bundles.ReadAsync(Skill, "1.0.0"), "1.0.1"), Operator);
            await harness.Registry.DeployAsync(Skill, "1.0.1", Operator);

            Assert.AreEqual("1.0.0", harness.Service.Status.LiveVersions[Skill]);
            time.Advance(TimeSpan.FromSeconds(30));

            await WaitUntilAsync(() => harness.Service.Status.LiveVersions[Skill] == "1.0.1");
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Waits for background work on real threads; the clock that drives the reload is fake.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out waiting for the reload");
            await Task.Delay(10);
        }
    }
}
