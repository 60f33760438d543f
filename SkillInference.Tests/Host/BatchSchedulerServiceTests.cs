using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Batch;
using SkillInference.Host.Batch;
using SkillInference.Host.Configuration;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class BatchSchedulerServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 9, 2, 1, 0, 0, TimeSpan.Zero);

    [TestMethod]
    [DataRow("2026-09-02T01:00:00Z", "02:00:00", "2026-09-02T02:00:00Z")]
    [DataRow("2026-09-02T02:00:00Z", "02:00:00", "2026-09-03T02:00:00Z")]
    [DataRow("2026-09-02T23:30:00Z", "02:00:00", "2026-09-03T02:00:00Z")]
    [DataRow("2026-09-02T03:30:00+02:00", "02:00:00", "2026-09-02T02:00:00Z")]
    public void NextOccurrence_Now_IsTheNextTimeOfDayInUtc(string now, string timeOfDay, string expected) =>
        Assert.AreEqual(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), BatchSchedulerService.NextOccurrence(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Parse(timeOfDay, System.Globalization.CultureInfo.InvariantCulture)));

    [TestMethod]
    public async Task ExecuteAsync_Enabled_RunsAtTheConfiguredTimeEveryDay()
    {
        var time = new FakeTimeProvider(Start);
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => s.AddSingleton<TimeProvider>(time));
        await harness.SeedAsync(100);
        using var scheduler = Scheduler(harness, time, enabled: true);
        await scheduler.StartAsync(CancellationToken.None);
        await WaitForPlansAsync(harness, 1);

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.IsEmpty(await harness.Store.ListRecentRunsAsync(5), "nothing runs before 02:00");

        time.Advance(TimeSpan.FromMinutes(1));
        var first = await WaitForRunsAsync(harness, 1);
        Assert.AreEqual(new DateTimeOffset(2026, 9, 2, 2, 0, 0, TimeSpan.Zero), first[0].StartedAt);
        Assert.AreEqual(BatchMode.Full, first[0].Mode);
        Assert.AreEqual(100, first[0].Students);

        await WaitForPlansAsync(harness, 2);
        time.Advance(TimeSpan.FromDays(1));
        var second = await WaitForRunsAsync(harness, 2);
        Assert.AreEqual(new DateTimeOffset(2026, 9, 3, 2, 0, 0, TimeSpan.Zero), second[0].StartedAt);
        await scheduler.StopAsync(CancellationToken.None);
    }

    [TestMethod]
    public async Task ExecuteAsync_Disabled_NeverRuns()
    {
        var time = new FakeTimeProvider(Start);
        await using var harness = await BatchHarness.StartAsync(TestDatabase.Sqlite(), services: s => s.AddSingleton<TimeProvider>(time));
        await harness.SeedAsync(10);
        using var scheduler = Scheduler(harness, time, enabled: false);
        await scheduler.StartAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromDays(3));
        await (scheduler.ExecuteTask ?? Task.CompletedTask);

        Assert.IsEmpty(await harness.Store.ListRecentRunsAsync(5));
    }

    private static BatchSchedulerService Scheduler(BatchHarness harness, TimeProvider time, bool enabled) => new(
        harness.Runner,
        Options.Create(new BatchHostOptions { Schedule = new BatchScheduleOptions { Enabled = enabled, TimeOfDayUtc = TimeSpan.FromHours(2), Mode = BatchMode.Full } }),
        time,
        harness.Services.GetRequiredService<ILogger<BatchSchedulerService>>());

    /// <summary>Waits until the scheduler has planned its next run (it runs on a background thread) <paramref name="count"/> times.</summary>
    private static async Task WaitForPlansAsync(BatchHarness harness, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (harness.Logs.GetSnapshot().Count(r => r.Id.Id == 3205) < count)
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the scheduler did not plan its next run");
            await Task.Delay(10);
        }
    }

    private static async Task<IReadOnlyList<InferenceRun>> WaitForRunsAsync(BatchHarness harness, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var runs = await harness.Store.ListRecentRunsAsync(10);
            if (runs.Count >= count && runs.All(r => r.Status != RunStatus.Running))
            {
                return runs;
            }

            Assert.IsLessThan(deadline, DateTime.UtcNow, $"expected {count} finished runs; have {runs.Count}");
            await Task.Delay(20);
        }
    }
}
