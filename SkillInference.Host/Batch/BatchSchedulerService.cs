using Microsoft.Extensions.Options;
using SkillInference.Batch;
using Log = SkillInference.Host.Batch.Log;
using SkillInference.Host.Configuration;

namespace SkillInference.Host.Batch;

/// <summary>
/// Starts a batch run once a day at <c>SkillInference:Batch:Schedule:TimeOfDayUtc</c> when enabled (off by default).
/// Time comes from the <see cref="TimeProvider"/>; a run that cannot start (one is in progress, models not loaded) is
/// logged and the next day's run is planned.
/// </summary>
internal sealed class BatchSchedulerService(BatchRunner runner, IOptions<BatchHostOptions> options, TimeProvider timeProvider, ILogger<BatchSchedulerService> logger) : BackgroundService
{
    /// <summary>The next time of day <paramref name="timeOfDayUtc"/> strictly after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextOccurrence(DateTimeOffset now, TimeSpan timeOfDayUtc)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(utc.Date, TimeSpan.Zero) + timeOfDayUtc;
        return today > utc ? today : today.AddDays(1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = options.Value.Schedule;
        if (!schedule.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow();
            var next = NextOccurrence(now, schedule.TimeOfDayUtc);
            try
            {
                // The timer exists before the log line says when it fires (tests advance a fake clock on that line).
                var due = Task.Delay(next - now, timeProvider, stoppingToken);
                Log.NextScheduledRun(logger, schedule.Mode, next);
                await due.ConfigureAwait(false);
                await runner.RunAsync(schedule.Mode, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (BatchRunException ex) when (ex.Kind is BatchRunErrorKind.AlreadyRunning or BatchRunErrorKind.ModelsNotReady)
            {
                Log.ScheduledRunSkipped(logger, ex.Message);
            }
            catch (Exception ex)
            {
                // The run records and logs its own failure; the schedule goes on.
                Log.ScheduledRunFailed(logger, ex);
            }
        }
    }
}
