using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SkillInference.Batch;
using SkillInference.Inference;
using SkillInference.Batch.Relational;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Batch;

/// <summary>The shard handler's retries and isolation of failures, over the real engine and the embedded database.</summary>
[TestClass]
public sealed class ShardHandlerTests
{
    [TestMethod]
    public async Task RunAsync_ModelNotLoadedTwice_RetriesAndStoresEveryStudent()
    {
        FlakyInferenceService? flaky = null;
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => Decorate(s, inner => flaky = new FlakyInferenceService(inner) { TransientCalls = 2 }));
        await harness.SeedAsync(100);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(0, run.Failures);
        Assert.AreEqual(700, run.Inserted);
        Assert.AreEqual(3, flaky!.Calls, "the first attempt and two retries");
        Assert.AreEqual(2, harness.Logs.GetSnapshot().Count(r => r.Id.Id == 3007), "each retry is logged");
    }

    [TestMethod]
    public async Task RunAsync_ModelNeverLoads_RecordsEveryItemAfterFourAttempts()
    {
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => Decorate(s, inner => new FlakyInferenceService(inner) { TransientCalls = int.MaxValue }));
        await harness.SeedAsync(20);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(RunStatus.Succeeded, run.Status);
        Assert.AreEqual(140, run.Failures);
        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        Assert.IsTrue(failures.All(f => f.Attempts == 4 && f.Error.Contains("not loaded", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task RunAsync_EngineThrowsOnOneStudent_IsolatesItAndStoresTheRest()
    {
        var poisoned = BatchHarnessIds.Of(13);
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => Decorate(s, inner => new FlakyInferenceService(inner) { ThrowFor = poisoned }));
        await harness.SeedAsync(60);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(59 * 7, run.Inserted);
        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        Assert.HasCount(7, failures);
        Assert.IsTrue(failures.All(f => f.StudentId == poisoned && f.Error.Contains("InvalidOperationException", StringComparison.Ordinal)));
        Assert.IsTrue(harness.Logs.GetSnapshot().Any(r => r.Id.Id == 3010), "the isolation is logged");
    }

    [TestMethod]
    public async Task RunAsync_FeatureInBothGroups_FailsThatStudentOnly()
    {
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite());
        await harness.SeedAsync(30);
        var student = BatchHarness.Seeded(3);
        var name = student.Behavioral.Keys.First();
        await harness.Writer.UpsertStudentFeaturesAsync([student with { Linguistic = new Dictionary<string, double?>(student.Linguistic) { [name] = student.Behavioral[name] } }]);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        Assert.HasCount(7, failures);
        StringAssert.Contains(failures[0].Error, "appears in both the linguistic and the behavioral group");
        Assert.AreEqual(29 * 7, run.Inserted);
    }

    [TestMethod]
    public async Task RunAsync_CorruptStoredJson_FailsThatStudentOnly()
    {
        var database = TestDatabase.Sqlite();
        await using var harness = await BatchHarness.StartAsync(database);
        await harness.SeedAsync(30);
        await database.ExecuteAsync($"UPDATE student_features SET behavioral = '{{\"peer_replies_per_week\": \"lots\"}}' WHERE student_id = '{BatchHarnessIds.Of(5)}'");

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        Assert.HasCount(7, failures);
        StringAssert.Contains(failures[0].Error, "the behavioral group feature 'peer_replies_per_week' is not a number or null");
        Assert.DoesNotContain("lots", failures[0].Error, "stored values are never echoed");
    }

    [TestMethod]
    public async Task RunAsync_WriteFailsTransientlyOnce_RetriesTheShardAndSucceeds()
    {
        FlakyAssessmentStore? flaky = null;
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => s.Replace(ServiceDescriptor.Singleton<IAssessmentStore>(sp => flaky = new FlakyAssessmentStore(sp.GetRequiredService<RelationalAssessmentStore>()) { FailingWrites = 1 })));
        await harness.SeedAsync(100);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(RunStatus.Succeeded, run.Status);
        Assert.AreEqual(700, run.Inserted);
        Assert.IsTrue(harness.Logs.GetSnapshot().Any(r => r.Id.Id == 3008), "the shard retry is logged");
    }

    [TestMethod]
    public async Task RunAsync_WriteFailsPermanently_FailsTheRunAndRecordsWhy()
    {
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => s.Replace(ServiceDescriptor.Singleton<IAssessmentStore>(sp => new FlakyAssessmentStore(sp.GetRequiredService<RelationalAssessmentStore>()) { FailingWrites = int.MaxValue, Failure = BatchStoreErrorKind.Permanent })));
        await harness.SeedAsync(100);

        var ex = await Assert.ThrowsAsync<BatchRunException>(() => harness.Runner.RunAsync(BatchMode.Full));

        Assert.AreEqual(BatchRunErrorKind.ShardFailed, ex.Kind);
        var run = (await harness.Store.ListRecentRunsAsync(1)).Single();
        Assert.AreEqual(RunStatus.Failed, run.Status);
        StringAssert.Contains(run.Error, "could not be stored");
    }

    [TestMethod]
    public async Task HandleAsync_ModelsNotLoaded_ThrowsTransientWithoutWriting()
    {
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite());
        var empty = new ServiceCollection();
        empty.AddSkillInference().UseFileSystemModelStore(TempDirectory.Create("empty")).UseSqlite(harness.Database.Connection);
        await using var provider = empty.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<InferenceException>(() => provider.GetRequiredService<ShardHandler>().HandleAsync(new ShardTask(Guid.NewGuid(), 0, null, "S1", StudentSelection.All)));

        Assert.AreEqual(InferenceErrorKind.ModelNotLoaded, ex.Kind);
    }

    internal static void Decorate(IServiceCollection services, Func<ISkillInferenceService, ISkillInferenceService> wrap)
    {
        var descriptor = services.Single(d => d.ServiceType == typeof(ISkillInferenceService));
        services.Remove(descriptor);
        services.AddSingleton(sp => wrap((ISkillInferenceService)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!))));
    }
}
