using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Batch;

/// <summary>
/// The batch worker's contract, run against each database adapter (PostgreSQL and SQLite) by a derived test class:
/// full and incremental runs, idempotent shards, poisoned students, new model versions, run bookkeeping, migrations.
/// </summary>
public abstract class BatchContractTests
{
    protected const int Students = 1_000;

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    private async Task<BatchHarness> StartAsync(Action<BatchOptions>? configure = null, Action<IServiceCollection>? services = null) =>
        await BatchHarness.StartAsync(await CreateDatabaseAsync(), configure, services);

    [TestMethod]
    public async Task RunAsync_Full1000Students_Writes7000RowsEqualToOnlineInference()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(Students);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(RunStatus.Succeeded, run.Status, run.Error);
        Assert.AreEqual(Students, run.Students);
        Assert.AreEqual(Students * 7, run.Predictions);
        Assert.AreEqual(Students * 7, run.Inserted);
        Assert.AreEqual(0, run.Failures);
        Assert.AreEqual(4, run.Shards);
        Assert.AreEqual(4, run.ShardsCompleted);
        var rows = await harness.AssessmentsAsync();
        Assert.HasCount(Students * 7, rows);
        Assert.AreEqual(Students * 7, rows.Select(r => (r.StudentId, r.Skill)).Distinct().Count(), "one row per student and skill");
        var students = await harness.StoredAsync([.. rows.Select(r => r.StudentId).Distinct()]);
        Assert.HasCount(Students, students);
        foreach (var row in rows)
        {
            var online = await harness.OnlineAsync(row.StudentId, students[row.StudentId], row.Skill);
            Assert.AreEqual(online.Score, row.Score, $"{row.Skill} of {row.StudentId}: the batch score equals online inference");
            Assert.AreEqual(online.Confidence, row.Confidence);
            Assert.AreEqual(online.ModelVersion, row.ModelVersion);
            Assert.AreEqual(online.FeatureHash, row.FeatureHash);
            Assert.AreEqual(run.RunId, row.RunId);
        }
    }

    [TestMethod]
    public async Task RunAsync_IncrementalAfter10StudentsChanged_RescoresExactlyThose()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(Students);
        var full = await harness.Runner.RunAsync(BatchMode.Full);
        var changed = await ChangeStudentsAsync(harness, [3, 97, 250, 251, 400, 512, 640, 777, 901, 999]);

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(RunStatus.Succeeded, run.Status, run.Error);
        Assert.AreEqual(full.Watermark, run.ChangedSince);
        Assert.AreEqual(10, run.StudentsPlanned);
        Assert.AreEqual(10, run.Students);
        Assert.AreEqual(70, run.Predictions);
        var rescored = (await harness.AssessmentsAsync(run.RunId)).Select(r => r.StudentId).ToHashSet();
        CollectionAssert.AreEquivalent(changed, rescored.ToArray(), "exactly the changed students have new assessments");
        Assert.AreEqual(Students * 7 + run.Inserted, (await harness.AssessmentsAsync()).Count);
    }

    /// <summary>Finding 9: a row dated in the future (a writer's clock) does not hide changes made after it.</summary>
    [TestMethod]
    public async Task RunAsync_IncrementalAfterAFutureDatedRow_StillRescoresLaterChanges()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(50);
        await harness.Writer.UpsertStudentFeaturesAsync([BatchHarness.Seeded(49) with { UpdatedAt = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero) }]);
        await harness.Runner.RunAsync(BatchMode.Full);
        await harness.Runner.RunAsync(BatchMode.Incremental);
        var changed = await ChangeStudentsAsync(harness, [7]);

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(RunStatus.Succeeded, run.Status, run.Error);
        CollectionAssert.AreEquivalent(changed, (await harness.AssessmentsAsync(run.RunId)).Select(r => r.StudentId).Distinct().ToArray());
    }

    /// <summary>Finding 9: an item that failed (transiently) is selected again by the next run, until it succeeds.</summary>
    [TestMethod]
    public async Task RunAsync_IncrementalAfterATransientItemFailure_SelectsTheItemAgain()
    {
        FlakyInferenceService? flaky = null;
        await using var harness = await StartAsync(o => o.ItemRetryDelay = TimeSpan.Zero, s => ShardHandlerTests.Decorate(s, inner => flaky = new FlakyInferenceService(inner)));
        await harness.SeedAsync(30);
        await harness.Runner.RunAsync(BatchMode.Full);
        var changed = await ChangeStudentsAsync(harness, [13]);
        flaky!.ThrowFor = changed[0];
        var failing = await harness.Runner.RunAsync(BatchMode.Incremental);
        Assert.AreEqual(7, failing.Failures, "the changed student fails on every skill");
        flaky.ThrowFor = null;

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(RunStatus.Succeeded, run.Status, run.Error);
        Assert.AreEqual(1, run.StudentsPlanned, "the failed student is selected again although nothing changed since");
        Assert.AreEqual(7, run.Predictions);
        Assert.AreEqual(0, run.Failures);
        var settled = await harness.Runner.RunAsync(BatchMode.Incremental);
        Assert.AreEqual(0, settled.StudentsPlanned, "once scored, it is owed no more");
    }

    /// <summary>Invalid stored features fail permanently: the student is tried again when the features change, not on every run.</summary>
    [TestMethod]
    public async Task RunAsync_IncrementalAfterAPermanentFailure_SelectsTheStudentAgainOnlyOnceTheirFeaturesChange()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(30);
        var poisoned = BatchHarness.Seeded(13);
        await harness.Writer.UpsertStudentFeaturesAsync([poisoned with { Behavioral = new Dictionary<string, double?>(poisoned.Behavioral) { ["peer_replies_per_wek"] = 3 } }]);
        var full = await harness.Runner.RunAsync(BatchMode.Full);
        Assert.AreEqual(7, full.Failures);
        Assert.IsTrue((await harness.Store.ListFailuresAsync(full.RunId)).All(f => f.Permanent));

        var unchanged = await harness.Runner.RunAsync(BatchMode.Incremental);
        await harness.Writer.UpsertStudentFeaturesAsync([poisoned]);
        var corrected = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(0, unchanged.StudentsPlanned, "nothing changed: the invalid row would fail the same way");
        Assert.AreEqual(1, corrected.StudentsPlanned);
        Assert.AreEqual(0, corrected.Failures);
        Assert.AreEqual(7, corrected.Inserted);
    }

    /// <summary>
    /// An incremental run trusts the last successful run's serving versions: when they are the versions serving now,
    /// students are selected by change and failure only; when they are unknown, every student's assessments are looked at.
    /// </summary>
    [TestMethod]
    [DataRow(true, 0, DisplayName = "last run's serving versions known and unchanged: no student without a change")]
    [DataRow(false, 30, DisplayName = "last run's serving versions unknown: the students without an assessment")]
    public async Task RunAsync_IncrementalAfterARunWithKnownOrUnknownServingVersions_LooksAtAssessmentsOnlyWhenUnknown(bool known, int planned)
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(30);
        var serving = harness.Service.LoadedModels.Select(m => new ServingVersion(m.Skill, m.Version)).Distinct().ToArray();
        var watermark = await harness.Source.GetChangeWatermarkAsync();
        var last = NewRun(BatchHarness.SeededAt.AddHours(1)) with { Watermark = watermark, Shards = 0, StudentsPlanned = 0, Serving = known ? serving : null };
        Assert.IsNull(await harness.Store.TryStartRunAsync(last, BatchHarness.SeededAt));
        await harness.Store.FinishRunAsync(last.RunId, RunStatus.Succeeded, null, BatchHarness.SeededAt.AddHours(2));

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(watermark, run.ChangedSince);
        Assert.AreEqual(planned, run.StudentsPlanned);
    }

    [TestMethod]
    public async Task RunAsync_Incremental_StopsServingCachedScoresOfTheChangedStudents()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(40);
        await harness.Runner.RunAsync(BatchMode.Full);
        var before = await harness.StoredAsync(BatchHarnessIds.Of(3), BatchHarnessIds.Of(7));
        var skill = SampleStore.Catalog.Skills[0].Id;
        foreach (var (id, features) in before)
        {
            await harness.OnlineAsync(id, features, skill);
            Assert.IsTrue((await harness.OnlineAsync(id, features, skill)).Cached, "cached by the online path");
        }

        await ChangeStudentsAsync(harness, [3]);
        await harness.Runner.RunAsync(BatchMode.Incremental);

        // The same (old) request misses for the changed student: the batch worker invalidated their entries.
        Assert.IsFalse((await harness.OnlineAsync(BatchHarnessIds.Of(3), before[BatchHarnessIds.Of(3)], skill)).Cached);
        Assert.IsTrue((await harness.OnlineAsync(BatchHarnessIds.Of(7), before[BatchHarnessIds.Of(7)], skill)).Cached);
    }

    [TestMethod]
    public async Task RunAsync_IncrementalWithNothingChanged_ScoresNobodyAndSucceeds()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(200);
        await harness.Runner.RunAsync(BatchMode.Full);

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(RunStatus.Succeeded, run.Status);
        Assert.AreEqual(0, run.StudentsPlanned);
        Assert.AreEqual(0, run.Shards);
        Assert.IsNotNull(run.Watermark);
    }

    [TestMethod]
    public async Task RunAsync_IncrementalWithoutPreviousRun_ScoresEveryone()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(300);

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(300, run.Students);
        Assert.AreEqual(2100, run.Inserted);
    }

    [TestMethod]
    public async Task HandleAsync_ShardDeliveredTwice_WritesNoDuplicateRows()
    {
        var queue = new RecordingShardDispatcher();
        await using var harness = await StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<IShardDispatcher>(queue)));
        await harness.SeedAsync(Students);
        var run = await harness.Runner.RunAsync(BatchMode.Full);
        Assert.AreEqual(RunStatus.Running, run.Status);
        Assert.HasCount(4, queue.Shards);

        var first = await harness.Handler.HandleAsync(queue.Shards[0]);
        var second = await harness.Handler.HandleAsync(queue.Shards[0]);

        Assert.IsFalse(first.Duplicate);
        Assert.AreEqual(250 * 7, first.Inserted);
        Assert.IsTrue(second.Duplicate);
        Assert.AreEqual(0, second.Inserted);
        Assert.HasCount(250 * 7, await harness.AssessmentsAsync());

        // Two deliveries of one shard at the same time: one stores it, the other writes nothing.
        var both = await Task.WhenAll(harness.Handler.HandleAsync(queue.Shards[1]), harness.Handler.HandleAsync(queue.Shards[1]));
        Assert.AreEqual(250 * 7, both.Sum(r => r.Inserted));
        Assert.HasCount(500 * 7, await harness.AssessmentsAsync());

        await harness.Handler.HandleAsync(queue.Shards[2]);
        var last = await harness.Handler.HandleAsync(queue.Shards[3]);
        Assert.IsNotNull(last.CompletedRun, "the last shard finishes the run");
        Assert.AreEqual(RunStatus.Succeeded, last.CompletedRun.Status);
        Assert.AreEqual(Students, last.CompletedRun.Students, "a duplicate delivery is not counted twice");
        Assert.AreEqual(Students * 7, last.CompletedRun.Inserted);
        Assert.HasCount(Students * 7, await harness.AssessmentsAsync());
    }

    [TestMethod]
    public async Task RunAsync_PoisonedStudent_RecordsFailuresAndStoresTheRestOfTheShard()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(Students);
        var poisoned = BatchHarness.Seeded(42);
        var typo = new Dictionary<string, double?>(poisoned.Behavioral) { ["peer_replies_per_wek"] = 3 };
        await harness.Writer.UpsertStudentFeaturesAsync([poisoned with { Behavioral = typo }]);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        Assert.AreEqual(RunStatus.Succeeded, run.Status, "a failed item never fails its shard or run");
        Assert.AreEqual(7, run.Failures);
        Assert.AreEqual((Students * 7) - 7, run.Inserted);
        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        Assert.HasCount(7, failures);
        Assert.IsTrue(failures.All(f => f.StudentId == poisoned.StudentId));
        Assert.IsTrue(failures.All(f => f.Attempts == 1 + harness.Options.MaxItemRetries), "tried once and retried 3 times");
        Assert.IsTrue(failures.All(f => f.Error.Contains("peer_replies_per_wek", StringComparison.Ordinal)), failures[0].Error);
        CollectionAssert.AreEquivalent(SampleStoreSkills.Ids.ToArray(), failures.Select(f => f.Skill).ToArray());
        var rows = await harness.AssessmentsAsync(run.RunId);
        Assert.IsFalse(rows.Any(r => r.StudentId == poisoned.StudentId));
        Assert.AreEqual(Students - 1, rows.Select(r => r.StudentId).Distinct().Count(), "every other student is stored, including the poisoned student's shard-mates");
    }

    [TestMethod]
    public async Task RunAsync_OutOfRangeFeature_FailsOnlyTheSkillsThatUseIt()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(100);
        var student = BatchHarness.Seeded(7);
        var feature = SampleStore.Catalog.Skills[0].Schema.Features.First(f => f.Max < 1e6 && harnessGroup(student, f.Name) is not null);
        var users = SampleStore.Catalog.Skills.Where(s => s.Schema.Features.Any(f => f.Name == feature.Name)).Select(s => s.Id).ToArray();
        var changed = harnessGroup(student, feature.Name) == "linguistic"
            ? student with { Linguistic = new Dictionary<string, double?>(student.Linguistic) { [feature.Name] = feature.Max + 1000 } }
            : student with { Behavioral = new Dictionary<string, double?>(student.Behavioral) { [feature.Name] = feature.Max + 1000 } };
        await harness.Writer.UpsertStudentFeaturesAsync([changed]);

        var run = await harness.Runner.RunAsync(BatchMode.Full);

        var failures = await harness.Store.ListFailuresAsync(run.RunId);
        CollectionAssert.AreEquivalent(users, failures.Select(f => f.Skill).ToArray());
        Assert.AreEqual(7 - users.Length, (await harness.AssessmentsAsync(run.RunId)).Count(r => r.StudentId == student.StudentId), "the skills that do not use the feature are stored");

        static string? harnessGroup(StudentFeatures s, string name) =>
            s.Linguistic.ContainsKey(name) ? "linguistic" : s.Behavioral.ContainsKey(name) ? "behavioral" : null;
    }

    [TestMethod]
    public async Task RunAsync_AfterDeployingNewVersion_RescoresEveryStudentUnderIt()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(Students);
        await harness.Runner.RunAsync(BatchMode.Full);
        var bundle = await harness.Registry.Bundles.ReadAsync("collaboration", "1.0.0");
        await harness.Registry.PublishAsync(TestBundles.WithVersion(bundle, "1.0.1", "recalibrated"), new ChangeContext("test", "new version"));
        await harness.Registry.DeployAsync("collaboration", "1.0.1", new ChangeContext("test", "deploy"));

        var run = await harness.Runner.RunAsync(BatchMode.Incremental);

        Assert.AreEqual(Students, run.StudentsPlanned, "no student has an assessment by the new version");
        Assert.AreEqual(Students, run.Inserted, "only the new version's rows are new; the other skills' rows are unchanged");
        var rows = await harness.AssessmentsAsync(run.RunId);
        Assert.IsTrue(rows.All(r => r.Skill == "collaboration" && r.ModelVersion == "1.0.1"));
        Assert.AreEqual(Students, rows.Select(r => r.StudentId).Distinct().Count());

        var next = await harness.Runner.RunAsync(BatchMode.Incremental);
        Assert.AreEqual(0, next.StudentsPlanned, "once rescored, nobody is selected again");
    }

    [TestMethod]
    public async Task RunAsync_WhileAnotherRunIsRunning_RefusesToStart()
    {
        var queue = new RecordingShardDispatcher();
        await using var harness = await StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<IShardDispatcher>(queue)));
        await harness.SeedAsync(100);
        var running = await harness.Runner.RunAsync(BatchMode.Full);

        var ex = await Assert.ThrowsAsync<BatchRunException>(() => harness.Runner.RunAsync(BatchMode.Incremental));

        Assert.AreEqual(BatchRunErrorKind.AlreadyRunning, ex.Kind);
        Assert.AreEqual(running.RunId, ex.RunId);
    }

    [TestMethod]
    public async Task TryStartRunAsync_RunningPastTheAbandonLimit_MarksItFailedAndStarts()
    {
        await using var harness = await StartAsync();
        var old = NewRun(BatchHarness.SeededAt);
        Assert.IsNull(await harness.Store.TryStartRunAsync(old, BatchHarness.SeededAt.AddHours(-6)));

        var next = NewRun(BatchHarness.SeededAt.AddHours(7));
        var blocking = await harness.Store.TryStartRunAsync(next, BatchHarness.SeededAt.AddHours(1));

        Assert.IsNull(blocking);
        var abandoned = await harness.Store.GetRunAsync(old.RunId);
        Assert.AreEqual(RunStatus.Failed, abandoned!.Status);
        StringAssert.Contains(abandoned.Error, "Abandoned");
        Assert.AreEqual(RunStatus.Running, (await harness.Store.GetRunAsync(next.RunId))!.Status);
    }

    [TestMethod]
    public async Task WriteShardAsync_LastShard_FinishesTheRunWithTheSameTotalsDurationAndThroughputOnEveryDatabase()
    {
        // Sub-microsecond ticks: every database stores timestamps to the microsecond, and the run's numbers come from
        // what is stored: 02:00:00.123456 to 02:00:52.442709 is 52.319253 s. (PostgreSQL's numeric division gave
        // 1136.2738684361568 students/s here, one unit in the last place away from the double division.)
        var started = BatchHarness.SeededAt.AddTicks(1_234_567);
        var time = new FakeTimeProvider(started);
        await using var harness = await StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        var run = NewRun(started) with { Shards = 2, StudentsPlanned = 59_449 };
        Assert.IsNull(await harness.Store.TryStartRunAsync(run, started.AddHours(-1)));

        time.SetUtcNow(started.AddSeconds(20));
        var first = await harness.Store.WriteShardAsync(ShardWriteOf(run, 0, new ShardStats(29_449, 206_143, 0, TimeSpan.FromMilliseconds(12.25), TimeSpan.FromMilliseconds(40.5), time.GetUtcNow())));
        time.SetUtcNow(started.AddTicks(523_192_532));
        var last = await harness.Store.WriteShardAsync(ShardWriteOf(run, 1, new ShardStats(30_000, 209_999, 1, TimeSpan.FromMilliseconds(0.75), TimeSpan.FromMilliseconds(1.5), time.GetUtcNow())));

        Assert.IsNull(first.CompletedRun, "one shard of two does not finish the run");
        var finished = last.CompletedRun;
        Assert.IsNotNull(finished);
        Assert.AreEqual(finished, await harness.Store.GetRunAsync(run.RunId), "what the last shard returns is what is stored");
        Assert.AreEqual(RunStatus.Succeeded, finished.Status);
        Assert.AreEqual(2, finished.ShardsCompleted);
        Assert.AreEqual(59_449, finished.Students);
        Assert.AreEqual(416_142, finished.Predictions);
        Assert.AreEqual(1, finished.Failures);
        Assert.AreEqual(TimeSpan.FromMilliseconds(13), finished.ReadTime);
        Assert.AreEqual(TimeSpan.FromMilliseconds(42), finished.ScoreTime);
        Assert.AreEqual(TimeSpan.Zero, finished.WriteTime, "no time passes on the fake clock while the store writes");
        Assert.AreEqual(BatchHarness.SeededAt.AddTicks(1_234_560), finished.StartedAt);
        Assert.AreEqual(BatchHarness.SeededAt.AddTicks(524_427_090), finished.FinishedAt);
        Assert.AreEqual(TimeSpan.FromTicks(523_192_530), finished.Duration);
        Assert.AreEqual(59_449 / 52.319253, finished.StudentsPerSecond);
        Assert.AreEqual(416_142 / 52.319253, finished.PredictionsPerSecond);
    }

    [TestMethod]
    public async Task WriteShardAsync_AssessmentsOfSeveralVersionsVariantsAndTimes_ReadBackExactlyOnce()
    {
        await using var harness = await StartAsync();
        var run = NewRun(BatchHarness.SeededAt);
        Assert.IsNull(await harness.Store.TryStartRunAsync(run, BatchHarness.SeededAt.AddHours(-1)));
        var at = BatchHarness.SeededAt.AddTicks(1_234_567);
        SkillAssessment[] written =
        [
            new("S1", "collaboration", 0.25, 0.5, "1.0.0", "deployed", "00000000000000a1", run.RunId, at),
            new("S1", "collaboration", 0.75, 0.5, "1.1.0", "variant", "00000000000000a1", run.RunId, at),
            new("S1", "creativity", 0.1 + 0.2, 1, "2.0.0", "deployed", "00000000000000a2", run.RunId, at.AddSeconds(1)),
            new("S2", "collaboration", 0, 0, "1.0.0", "deployed", "00000000000000b1", run.RunId, at.AddSeconds(2)),
        ];

        var shard = new ShardTask(run.RunId, 0, null, "S2", StudentSelection.All);
        var result = await harness.Store.WriteShardAsync(new ShardWrite(shard, AssessmentBlock.Of(written), [], new ShardStats(2, 4, 0, TimeSpan.Zero, TimeSpan.Zero, at)));
        var again = await harness.Store.WriteShardAsync(new ShardWrite(shard, AssessmentBlock.Of(written), [], new ShardStats(2, 4, 0, TimeSpan.Zero, TimeSpan.Zero, at)));

        Assert.AreEqual(4, result.Inserted);
        Assert.IsTrue(again.AlreadyCompleted);
        var stored = await harness.AssessmentsAsync(run.RunId);
        CollectionAssert.AreEqual(written.Select(a => a with { AssessedAt = RelationalDialect.Stored(a.AssessedAt) }).ToArray(), stored.ToArray(), "every column as written (timestamps to the microsecond), once");
    }

    [TestMethod]
    [DataRow(BatchMode.Full, DisplayName = "a full run's shard (rows present looked for by range)")]
    [DataRow(BatchMode.Incremental, DisplayName = "an incremental shard (rows present looked for by id)")]
    public async Task WriteShardAsync_SomeRowsPresentAndRowsOutOfOrder_InsertsOnlyTheMissingRowsAndKeepsThePresentOnes(BatchMode mode)
    {
        var selection = mode == BatchMode.Full ? StudentSelection.All : new StudentSelection(BatchMode.Incremental, 1, []);
        await using var harness = await StartAsync();
        var first = NewRun(BatchHarness.SeededAt);
        Assert.IsNull(await harness.Store.TryStartRunAsync(first, BatchHarness.SeededAt.AddHours(-1)));
        SkillAssessment[] present =
        [
            new("S2", "collaboration", 0.25, 0.5, "1.0.0", "deployed", "00000000000000b1", first.RunId, BatchHarness.SeededAt),
            new("S3", "creativity", 0.5, 0, "1.0.0", "deployed", "00000000000000c1", first.RunId, BatchHarness.SeededAt),
        ];
        await harness.Store.WriteShardAsync(new ShardWrite(new ShardTask(first.RunId, 0, null, "S3", StudentSelection.All), AssessmentBlock.Of(present), [], new ShardStats(2, 2, 0, TimeSpan.Zero, TimeSpan.Zero, BatchHarness.SeededAt)));
        var second = NewRun(BatchHarness.SeededAt.AddHours(1)) with { Mode = BatchMode.Incremental };
        Assert.IsNull(await harness.Store.TryStartRunAsync(second, BatchHarness.SeededAt));
        var at = BatchHarness.SeededAt.AddHours(1);

        // Out of (student, skill) order, as a shard's retried items come after its first pass.
        SkillAssessment[] written =
        [
            new("S3", "creativity", 0.75, 0.5, "1.0.0", "deployed", "00000000000000c1", second.RunId, at),
            new("S1", "collaboration", 0.1, 0.8, "1.0.0", "deployed", "00000000000000a1", second.RunId, at),
            new("S2", "creativity", 0.2, 0.6, "1.0.0", "deployed", "00000000000000b2", second.RunId, at),
            new("S2", "collaboration", 0.9, 0.8, "1.0.0", "deployed", "00000000000000b1", second.RunId, at),
            new("S3", "creativity", 0.3, 0.4, "1.0.0", "deployed", "00000000000000c2", second.RunId, at),
        ];
        var result = await harness.Store.WriteShardAsync(new ShardWrite(new ShardTask(second.RunId, 0, null, "S3", selection), AssessmentBlock.Of(written), [], new ShardStats(3, 5, 0, TimeSpan.Zero, TimeSpan.Zero, at)));

        Assert.AreEqual(3, result.Inserted, "the two rows present (same student, skill, version and feature hash) are not written again");
        var stored = await harness.AssessmentsAsync();
        Assert.HasCount(5, stored);
        CollectionAssert.AreEquivalent(present, stored.Where(r => r.RunId == first.RunId).ToArray(), "the rows present keep their first score and run");
        CollectionAssert.AreEquivalent(new[] { written[1], written[2], written[4] }, stored.Where(r => r.RunId == second.RunId).ToArray());
    }

    [TestMethod]
    public async Task WriteShardAsync_AssessmentByAVersionTheRunWasNotPlannedWith_ForgetsTheRunsServingVersions()
    {
        await using var harness = await StartAsync();
        ServingVersion[] serving = [new("collaboration", "1.0.0"), new("creativity", "2.0.0")];
        var run = NewRun(BatchHarness.SeededAt) with { Shards = 2, Serving = serving };
        Assert.IsNull(await harness.Store.TryStartRunAsync(run, BatchHarness.SeededAt.AddHours(-1)));
        var at = BatchHarness.SeededAt;
        var planned = AssessmentBlock.Of([new SkillAssessment("S1", "creativity", 0.5, 0, "2.0.0", "deployed", "00000000000000a1", run.RunId, at)]);
        var redeployed = AssessmentBlock.Of([new SkillAssessment("S2", "collaboration", 0.5, 0, "1.0.1", "deployed", "00000000000000b1", run.RunId, at)]);

        await harness.Store.WriteShardAsync(new ShardWrite(new ShardTask(run.RunId, 0, null, "S1", StudentSelection.All), planned, [], new ShardStats(1, 1, 0, TimeSpan.Zero, TimeSpan.Zero, at)));
        var afterPlanned = await harness.Store.GetRunAsync(run.RunId);
        var result = await harness.Store.WriteShardAsync(new ShardWrite(new ShardTask(run.RunId, 1, "S1", "S2", StudentSelection.All), redeployed, [], new ShardStats(1, 1, 0, TimeSpan.Zero, TimeSpan.Zero, at)));

        CollectionAssert.AreEquivalent(serving, afterPlanned!.Serving!.ToArray(), "stored and read back as planned");
        Assert.IsNotNull(result.CompletedRun);
        Assert.IsNull(result.CompletedRun.Serving, "a version outside the plan scored: which students it covers is unknown");
        Assert.IsNull((await harness.Store.GetRunAsync(run.RunId))!.Serving);
    }

    [TestMethod]
    public async Task FinishRunAsync_AtItsStartTime_HasZeroDurationAndNoThroughput()
    {
        var started = BatchHarness.SeededAt;
        await using var harness = await StartAsync();
        var run = NewRun(started);
        Assert.IsNull(await harness.Store.TryStartRunAsync(run, started.AddHours(-1)));

        var failed = await harness.Store.FinishRunAsync(run.RunId, RunStatus.Failed, "stopped", started);
        var again = await harness.Store.FinishRunAsync(run.RunId, RunStatus.Succeeded, null, started.AddHours(1));

        Assert.IsNotNull(failed);
        Assert.AreEqual(RunStatus.Failed, failed.Status);
        Assert.AreEqual("stopped", failed.Error);
        Assert.AreEqual(TimeSpan.Zero, failed.Duration);
        Assert.IsNull(failed.StudentsPerSecond, "no throughput over no time");
        Assert.IsNull(failed.PredictionsPerSecond);
        Assert.AreEqual(failed, again, "a finished run is not finished again");
    }

    [TestMethod]
    public async Task TryStartRunAsync_RunningPastTheAbandonLimit_FinishesItWithItsDurationUntilTheNewStart()
    {
        await using var harness = await StartAsync();
        var old = NewRun(BatchHarness.SeededAt);
        Assert.IsNull(await harness.Store.TryStartRunAsync(old, BatchHarness.SeededAt.AddHours(-6)));

        Assert.IsNull(await harness.Store.TryStartRunAsync(NewRun(BatchHarness.SeededAt.AddHours(7)), BatchHarness.SeededAt.AddHours(1)));

        var abandoned = await harness.Store.GetRunAsync(old.RunId);
        Assert.AreEqual(BatchHarness.SeededAt.AddHours(7), abandoned!.FinishedAt);
        Assert.AreEqual(TimeSpan.FromHours(7), abandoned.Duration);
        Assert.AreEqual(0.0, abandoned.StudentsPerSecond, "no shard was stored");
    }

    [TestMethod]
    public async Task ListRecentRunsAsync_ThreeRuns_NewestFirstWithThroughput()
    {
        await using var harness = await StartAsync();
        await harness.SeedAsync(300);
        var first = await harness.Runner.RunAsync(BatchMode.Full);
        var second = await harness.Runner.RunAsync(BatchMode.Incremental);
        var third = await harness.Runner.RunAsync(BatchMode.Full);

        var runs = await harness.Store.ListRecentRunsAsync(2);

        CollectionAssert.AreEqual(new[] { third.RunId, second.RunId }, runs.Select(r => r.RunId).ToArray());
        Assert.IsNotNull(first.Duration);
        Assert.IsTrue(first.StudentsPerSecond > 0);
        Assert.IsTrue(first.PredictionsPerSecond > first.StudentsPerSecond);
        Assert.AreEqual(0, third.Inserted, "a full run over unchanged features writes nothing new");
        Assert.AreEqual(2100, third.Predictions);
    }

    [TestMethod]
    public async Task MigrateAsync_Twice_SecondAppliesNothing()
    {
        await using var harness = await StartAsync();
        var migrator = harness.Services.GetRequiredService<IDatabaseMigrator>();

        var again = await migrator.MigrateAsync();

        Assert.IsEmpty(again);
    }

    [TestMethod]
    public async Task MigrateAsync_ThreeAtOnceOnAnEmptyDatabase_AppliesEachMigrationOnce()
    {
        await using var database = await CreateDatabaseAsync();
        var providers = Enumerable.Range(0, 3).Select(_ =>
        {
            var services = new ServiceCollection();
            database.Use(services.AddSkillInference().UseFileSystemModelStore(SampleStore.Path));
            return services.BuildServiceProvider();
        }).ToArray();

        var applied = await Task.WhenAll(providers.Select(p => p.GetRequiredService<IDatabaseMigrator>().MigrateAsync()));

        Assert.AreEqual(1, applied.Count(a => a.Count > 0), "one caller applies, the others find the schema up to date");
        Assert.AreEqual(applied.Single(a => a.Count > 0).Count, applied.Sum(a => a.Count));
        foreach (var provider in providers)
        {
            await provider.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task UpsertStudentFeaturesAsync_SameStudentTwice_KeepsOneRowWithTheLatestFeatures()
    {
        await using var harness = await StartAsync();
        var features = new Dictionary<string, double?> { ["peer_replies_per_week"] = 4, ["sentiment"] = null };
        await harness.Writer.UpsertStudentFeaturesAsync([new StudentFeatures("S1", new Dictionary<string, double?>(), features, BatchHarness.SeededAt)]);

        await harness.Writer.UpsertStudentFeaturesAsync([new StudentFeatures("S1", new Dictionary<string, double?>(), new Dictionary<string, double?> { ["peer_replies_per_week"] = 5 }, BatchHarness.SeededAt.AddDays(1))]);

        var read = await harness.Source.ReadStudentsAsync(["S1", "S2"]);
        Assert.AreEqual(1, read.Count);
        Assert.AreEqual("S1", read.StudentIdOf(0));
        CollectionAssert.AreEqual(new[] { "peer_replies_per_week" }, read.Rows.FeatureNames.ToArray(), "the second write replaced the row");
        Assert.AreEqual(5.0, read.Rows.Row(0)[0]);
        Assert.AreEqual(BatchHarness.SeededAt.AddDays(1), read.UpdatedAt[0]);

    }

    [TestMethod]
    public async Task UpsertAsync_SameKeyTwiceInOneCall_KeepsTheLastRow()
    {
        await using var harness = await StartAsync();

        // PostgreSQL refuses one upsert that touches a row twice: the writer keeps the last row of each key.
        await harness.Writer.UpsertStudentFeaturesAsync(
        [
            new StudentFeatures("S1", Features(("a", 1)), Features(), BatchHarness.SeededAt),
            new StudentFeatures("S2", Features(("a", 2)), Features(), BatchHarness.SeededAt),
            new StudentFeatures("S1", Features(("a", 3)), Features(), BatchHarness.SeededAt.AddHours(1)),
        ]);
        await harness.Writer.UpsertTeacherRatingsAsync([new TeacherRating("S1", "collaboration", 2, BatchHarness.SeededAt), new TeacherRating("S1", "collaboration", 4, BatchHarness.SeededAt)]);

        var block = await harness.Source.ReadStudentsAsync(["S1", "S2"]);
        Assert.AreEqual(2, block.Count);
        Assert.AreEqual(3.0, BlockCells.Of(block, 0, "a"), "the last row of a student wins");
        Assert.AreEqual(BatchHarness.SeededAt.AddHours(1), block.UpdatedAt[0]);
        Assert.AreEqual(2.0, BlockCells.Of(block, 1, "a"));
    }

    [TestMethod]
    public async Task ReadStudentsAsync_RowsWithDifferentNames_IsOneBlockOverTheUnionOfNamesWithAbsentAndNullMissing()
    {
        await using var harness = await StartAsync();
        await harness.Writer.UpsertStudentFeaturesAsync(
        [
            new StudentFeatures("S1", Features(("a", 1.5), ("b", null)), Features(("c", -2)), BatchHarness.SeededAt),
            new StudentFeatures("S2", Features(("a", 0.1 + 0.2)), Features(("d", 1e-300)), BatchHarness.SeededAt.AddMinutes(1)),
            new StudentFeatures("S3", Features(), Features(), BatchHarness.SeededAt.AddMinutes(2)),
        ]);

        var block = await harness.Source.ReadStudentsAsync(["S3", "S9", "S1", "S2"]);

        Assert.AreEqual(3, block.Count, "an unknown id is left out");
        CollectionAssert.AreEqual(new[] { "S1", "S2", "S3" }, Enumerable.Range(0, 3).Select(block.StudentIdOf).ToArray(), "in id order");
        CollectionAssert.AreEquivalent(new[] { "a", "b", "c", "d" }, block.Rows.FeatureNames.ToArray(), "the union of the names seen, each once");
        CollectionAssert.AreEqual(new[] { BatchHarness.SeededAt, BatchHarness.SeededAt.AddMinutes(1), BatchHarness.SeededAt.AddMinutes(2) }, block.UpdatedAt.ToArray());
        Assert.IsTrue(block.ReadErrors.All(e => e is null));
        Assert.AreEqual(1.5, BlockCells.Of(block, 0, "a"));
        Assert.IsNull(BlockCells.Of(block, 0, "b"), "stored null is missing");
        Assert.AreEqual(-2.0, BlockCells.Of(block, 0, "c"));
        Assert.IsNull(BlockCells.Of(block, 0, "d"), "absent from the row is missing");
        Assert.AreEqual(0.1 + 0.2, BlockCells.Of(block, 1, "a"), "doubles round-trip exactly");
        Assert.AreEqual(1e-300, BlockCells.Of(block, 1, "d"));
        Assert.IsTrue(block.Rows.FeatureNames.All(n => BlockCells.Of(block, 2, n) is null), "empty groups: every feature missing");
    }

    [TestMethod]
    public async Task ReadShardAsync_UnreadableRowsAndANameInBothGroups_FailOnlyThoseRowsWithoutTheirValues()
    {
        await using var harness = await StartAsync();
        await harness.Writer.UpsertStudentFeaturesAsync(
        [
            new StudentFeatures("S1", Features(("a", 1)), Features(("b", 2)), BatchHarness.SeededAt),
            new StudentFeatures("S2", Features(("a", 3)), Features(("a", null)), BatchHarness.SeededAt),
            new StudentFeatures("S3", Features(("a", 4)), Features(("b", 5)), BatchHarness.SeededAt),
            new StudentFeatures("S4", Features(("a", 6)), Features(("b", 7)), BatchHarness.SeededAt),
            new StudentFeatures("S5", Features(("a", 8)), Features(("b", 9)), BatchHarness.SeededAt),
        ]);
        await harness.Database.ExecuteAsync("""UPDATE student_features SET behavioral = '{"b": "secret-value"}' WHERE student_id = 'S3'""");
        await harness.Database.ExecuteAsync("""UPDATE student_features SET linguistic = '[1, 2]' WHERE student_id = 'S4'""");

        var block = await harness.Source.ReadShardAsync(new ShardTask(Guid.NewGuid(), 0, null, "S5", StudentSelection.All));

        Assert.AreEqual(5, block.Count);
        CollectionAssert.AreEqual(
            new[] { null, "the feature 'a' appears in both the linguistic and the behavioral group", "the behavioral group feature 'b' is not a number or null", "the linguistic group is not a JSON object", null },
            block.ReadErrors.ToArray());
        Assert.IsFalse(block.ReadErrors.Any(e => e?.Contains("secret-value", StringComparison.Ordinal) == true), "stored values are never echoed");
        foreach (var failed in new[] { 1, 2, 3 })
        {
            Assert.IsTrue(block.Rows.FeatureNames.All(n => BlockCells.Of(block, failed, n) is null), "a row that cannot be read has no values");
        }

        Assert.AreEqual(1.0, BlockCells.Of(block, 0, "a"));
        Assert.AreEqual(2.0, BlockCells.Of(block, 0, "b"));
        Assert.AreEqual(8.0, BlockCells.Of(block, 4, "a"), "the rows after a failed one are read");
        Assert.AreEqual(9.0, BlockCells.Of(block, 4, "b"));
    }

    private static Dictionary<string, double?> Features(params (string Name, double? Value)[] features) =>
        features.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);

    private static ShardWrite ShardWriteOf(InferenceRun run, int shard, ShardStats stats) =>
        new(new ShardTask(run.RunId, shard, null, "S", StudentSelection.All), [], [], stats);

    private static InferenceRun NewRun(DateTimeOffset startedAt) => new()
    {
        RunId = Guid.CreateVersion7(startedAt),
        Mode = BatchMode.Full,
        Status = RunStatus.Running,
        StartedAt = startedAt,
        Dispatcher = "test",
        Shards = 1,
        StudentsPlanned = 1,
    };

    private static async Task<string[]> ChangeStudentsAsync(BatchHarness harness, int[] indices)
    {
        var ids = indices.Select(BatchHarnessIds.Of).ToArray();
        var students = indices.Select(BatchHarness.Seeded);
        var feature = SampleStore.Catalog.Skills[0].Schema.Features.First(f => f.Group == Schema.FeatureGroup.Behavioral).Name;
        var changed = students.Select(s =>
        {
            var behavioral = new Dictionary<string, double?>(s.Behavioral);
            var spec = SampleStore.Catalog.Features[feature].Spec;
            behavioral[feature] = behavioral.GetValueOrDefault(feature) is { } v && v > spec.Min ? spec.Min : Math.Min(spec.Max, spec.Min + 1);
            return s with { Behavioral = behavioral, UpdatedAt = BatchHarness.SeededAt.AddHours(20) };
        }).ToArray();
        await harness.Writer.UpsertStudentFeaturesAsync(changed);
        return ids;
    }
}
