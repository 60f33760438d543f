using Microsoft.Extensions.Options;
using SkillInference.Monitoring;

namespace SkillInference.Host.Monitoring;

/// <summary>
/// Runs the validation job every <see cref="MonitoringOptions.ValidationInterval"/> (off when zero), first one interval
/// after start (at most a minute, so a fresh host reports soon). A failed run is logged; the next runs on schedule.
/// </summary>
internal sealed class ValidationSchedulerService(ValidationJob job, IOptions<MonitoringOptions> options, TimeProvider time, ILogger<ValidationSchedulerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ValidationInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var delay = interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1);
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = interval;
                try
                {
                    await job.RunAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SkillInference.Monitoring.Log.EvaluationFailed(logger, ex, "validation");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
