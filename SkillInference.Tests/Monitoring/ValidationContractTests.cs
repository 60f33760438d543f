using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Monitoring;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Monitoring;

/// <summary>
/// The validation job over the batch database, the same on SQLite and PostgreSQL: the in-database pairing of each
/// rating with the closest-in-time assessment, the statistics against hand-computed values, the stored time series,
/// and the correlation alert's rule (fires below the threshold with enough pairs, clears after two good evaluations).
/// </summary>
public abstract class ValidationContractTests
{
    private static readonly DateTimeOffset RatedAt = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    private sealed class Harness(ServiceProvider provider, TestDatabase database, FakeTimeProvider time, RecordingMonitoringNotifier notices) : IAsyncDisposable
    {
        public ServiceProvider Provider { get; } = provider;

        public FakeTimeProvider Time { get; } = time;

        public RecordingMonitoringNotifier Notices { get; } = notices;

        public ValidationJob Job => Provider.GetRequiredService<ValidationJob>();

        public IMonitoringStore Store => Provider.GetRequiredService<IMonitoringStore>();

        public IStudentDataWriter Writer => Provider.GetRequiredService<IStudentDataWriter>();

        public async Task AssessAsync(params (string Student, double Score, TimeSpan BeforeRating, string Version)[] rows)
        {
            var db = Provider.GetRequiredService<RelationalDatabase>();
            var runId = Guid.NewGuid();
            var assessments = rows.Select((r, i) => new SkillAssessment(r.Student, "teamwork", r.Score, 0.5, r.Version, "deployed", $"h{i}", runId, RatedAt - r.BeforeRating)).ToList();
            await db.ExecuteAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "test", async connection =>
            {
                await using var transaction = await connection.BeginTransactionAsync();
                var inserted = await db.Dialect.InsertAssessmentsAsync(connection, transaction, AssessmentBlock.Of(assessments), wholeRange: false, CancellationToken.None);
                await transaction.CommitAsync();
                return inserted;
            }, CancellationToken.None);
        }

        public Task RateAsync(params (string Student, int Rating)[] ratings) =>
            Writer.UpsertTeacherRatingsAsync([.. ratings.Select(r => new TeacherRating(r.Student, "teamwork", r.Rating, RatedAt))]);

        public async Task<ValidationRun> RunAsync()
        {
            Time.Advance(TimeSpan.FromHours(1));
            return await Job.RunAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Provider.DisposeAsync();
            await database.DisposeAsync();
        }
    }

    private async Task<Harness> StartAsync(int minimumPairs)
    {
        var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(RatedAt + TimeSpan.FromDays(2));
        var notices = new RecordingMonitoringNotifier();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        // A meter of this provider's own (not a process-wide one that the in-memory hosts of other tests would scrape).
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IMonitoringNotifier>(notices);
        var builder = services.AddSkillInference();
        database.Use(builder);
        services.Configure<MonitoringOptions>(o => o.MinimumPairs = minimumPairs);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
        return new Harness(provider, database, time, notices);
    }

    /// <summary>
    /// Students s1..s5 scored 0.1..0.5 (1..5 days before their rating) and rated 1, 3, 2, 5, 4: by hand, with
    /// dx = (-2,-1,0,1,2)·0.1 and dy = (-2,0,-1,2,1), r = 0.8/√(1·1) = 0.8, ρ = 0.8 (no ties); Fisher: atanh(0.8) =
    /// 1.0986, ± 1.96/√2 → tanh → [-0.27964, 0.98620]. s1 also has an older assessment (10 days, score 0.9) that the
    /// closest-in-time join must skip; s6 was assessed 40 days before its rating (outside the 30-day window); s7 was
    /// assessed and never rated. Coverage 5/7; the median delay is 3 days.
    /// </summary>
    private static async Task SeedAgreementAsync(Harness h)
    {
        var day = TimeSpan.FromDays(1);
        await h.AssessAsync(
            ("s1", 0.1, day, "1.0.0"), ("s1", 0.9, 10 * day, "1.0.0"), ("s2", 0.2, 2 * day, "1.0.0"), ("s3", 0.3, 3 * day, "1.0.0"),
            ("s4", 0.4, 4 * day, "1.0.0"), ("s5", 0.5, 5 * day, "1.0.0"), ("s6", 0.99, 40 * day, "1.0.0"), ("s7", 0.7, day, "1.0.0"));
        await h.RateAsync(("s1", 1), ("s2", 3), ("s3", 2), ("s4", 5), ("s5", 4), ("s6", 1));
    }

    [TestMethod]
    public async Task RunAsync_RatedAssessments_ComputesHandComputedStatisticsFromTheClosestAssessment()
    {
        await using var h = await StartAsync(minimumPairs: 4);
        await SeedAgreementAsync(h);

        var run = await h.RunAsync();

        var r = run.Results.Single();
        Assert.AreEqual(("teamwork", "1.0.0", "deployed"), (r.Skill, r.ModelVersion, r.Variant));
        Assert.AreEqual(5, r.N);
        Assert.AreEqual(0.8, r.PearsonR!.Value, 1e-9);
        Assert.AreEqual(0.8, r.Spearman!.Value, 1e-9);
        Assert.AreEqual(-0.27964, r.CiLow!.Value, 1e-5);
        Assert.AreEqual(0.98620, r.CiHigh!.Value, 1e-5);
        Assert.AreEqual(7, r.AssessedStudents);
        Assert.AreEqual(5.0 / 7, r.Coverage!.Value, 1e-12);
        Assert.AreEqual(TimeSpan.FromDays(3).TotalSeconds, r.MedianLabelDelay!.Value.TotalSeconds, 0.01);
        Assert.AreEqual(ValidationStates.Ok, r.State);
        Assert.IsEmpty(run.Alerts);
    }

    [TestMethod]
    public async Task RunAsync_FewerPairsThanTheMinimum_IsInsufficientDataAndOpensNoAlert()
    {
        await using var h = await StartAsync(minimumPairs: 30);
        await SeedAgreementAsync(h);
        await h.RateAsync(("s1", 5), ("s2", 4), ("s3", 3), ("s4", 2), ("s5", 1)); // r = -1, but n = 5 < 30

        var run = await h.RunAsync();

        Assert.AreEqual(ValidationStates.InsufficientData, run.Results.Single().State);
        Assert.AreEqual(-1, run.Results.Single().PearsonR!.Value, 1e-9);
        Assert.IsEmpty(run.Alerts);
        Assert.IsEmpty(h.Notices.Notices);
    }

    [TestMethod]
    public async Task RunAsync_RBelowThresholdThenGoodTwice_OpensOneAlertAndClearsOnTheSecondGoodEvaluation()
    {
        await using var h = await StartAsync(minimumPairs: 4);
        await SeedAgreementAsync(h);
        await h.RateAsync(("s1", 5), ("s2", 4), ("s3", 3), ("s4", 2), ("s5", 1)); // r = -1

        var bad = await h.RunAsync();
        var stillBad = await h.RunAsync();

        Assert.AreEqual(ValidationStates.Alert, bad.Results.Single().State);
        var alert = bad.Alerts.Single();
        Assert.AreEqual((AlertKinds.Correlation, "teamwork", "1.0.0", AlertKinds.Open), (alert.Kind, alert.Skill, alert.ModelVersion, alert.State));
        Assert.AreEqual(-1, alert.Value!.Value, 1e-9);
        Assert.AreEqual(0.5, alert.Threshold);
        Assert.AreEqual(5, alert.N);
        Assert.AreEqual(alert.Id, stillBad.Alerts.Single().Id, "one open alert per skill, version and kind");
        Assert.HasCount(1, h.Notices.Notices, "the second breach says nothing new");

        await h.RateAsync(("s1", 1), ("s2", 2), ("s3", 3), ("s4", 4), ("s5", 5)); // r = 1
        var firstGood = await h.RunAsync();
        Assert.AreEqual(AlertKinds.Open, firstGood.Alerts.Single().State, "one good evaluation does not clear");
        Assert.AreEqual(ValidationStates.Alert, firstGood.Results.Single().State);

        var secondGood = await h.RunAsync();
        Assert.AreEqual(AlertKinds.Cleared, secondGood.Alerts.Single().State);
        Assert.AreEqual(ValidationStates.Ok, secondGood.Results.Single().State);
        CollectionAssert.AreEqual(new[] { "alert", "ok" }, h.Notices.Notices.Select(n => n.State).ToArray());

        var history = await h.Store.GetValidationHistoryAsync(DateTimeOffset.MinValue);
        CollectionAssert.AreEqual(new[] { "alert", "alert", "alert", "ok" }, history.Select(v => v.State).ToArray(), "every evaluation is kept");
        var alerts = await h.Store.GetAlertsAsync(DateTimeOffset.MinValue, 10);
        Assert.AreEqual(AlertKinds.Cleared, alerts.Single().State);
        Assert.IsNotNull(alerts.Single().ClearedAt);

        var agreement = await h.Job.GetLatestAsync("teamwork");
        Assert.AreEqual(1, agreement.Single().PearsonR!.Value, 1e-9);
        Assert.AreEqual(ValidationStates.Ok, agreement.Single().State);
    }

    [TestMethod]
    public async Task ModelLoadAlerts_FailingVersionThenLoaded_OpensOnceAndClearsAfterTwoGoodEvaluations()
    {
        await using var h = await StartAsync(minimumPairs: 4);
        var alerts = h.Provider.GetRequiredService<AlertManager>();
        var failing = new SkillInference.Inference.ServingStatus(true, ["teamwork"], new Dictionary<string, string> { ["teamwork"] = "1.0.0" },
            [new SkillInference.Inference.ModelLoadFailure("teamwork", "1.1.0", "checksum mismatch", RatedAt)], RatedAt, null);
        var healed = failing with { Failures = [] };

        await ModelLoadAlerts.EvaluateAsync(failing, alerts, h.Store);
        await ModelLoadAlerts.EvaluateAsync(failing, alerts, h.Store);
        var afterFailures = await h.Store.GetOpenAlertAsync(AlertKinds.ModelLoad, "teamwork", "1.1.0");
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await ModelLoadAlerts.EvaluateAsync(healed, alerts, h.Store);
        var afterOneGood = await h.Store.GetOpenAlertAsync(AlertKinds.ModelLoad, "teamwork", "1.1.0");
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await ModelLoadAlerts.EvaluateAsync(healed, alerts, h.Store);

        Assert.IsNotNull(afterFailures);
        StringAssert.Contains(afterFailures.Summary, "checksum mismatch");
        Assert.IsNotNull(afterOneGood, "one good evaluation does not clear");
        Assert.IsNull(await h.Store.GetOpenAlertAsync(AlertKinds.ModelLoad, "teamwork", "1.1.0"));
        CollectionAssert.AreEqual(new[] { "alert", "ok" }, h.Notices.Notices.Select(n => n.State).ToArray());
    }

    [TestMethod]
    public async Task RunAsync_AssessmentsWithoutRatings_ReportsZeroPairsAsInsufficientData()
    {
        await using var h = await StartAsync(minimumPairs: 4);
        await h.AssessAsync(("s1", 0.1, TimeSpan.FromDays(1), "2.0.0"));

        var run = await h.RunAsync();

        var r = run.Results.Single();
        Assert.AreEqual((0, 1, ValidationStates.InsufficientData), (r.N, r.AssessedStudents, r.State));
        Assert.IsNull(r.PearsonR);
        Assert.AreEqual(0, r.Coverage);
    }
}
