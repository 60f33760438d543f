using Microsoft.Extensions.Options;
using SkillInference.Monitoring;

namespace SkillInference.Host.Monitoring;

/// <summary>Applies the drift, latency and model-load alert rules every <see cref="MonitoringOptions.EvaluationInterval"/> and publishes the PSI gauges.</summary>
internal sealed class DriftEvaluationService(
    DriftMonitor drift,
    AlertManager alerts,
    MonitoringGauges gauges,
    IMonitoringStore store,
    SkillInference.Inference.ISkillInferenceService service,
    IOptions<MonitoringOptions> options,
    TimeProvider time,
    ILogger<DriftEvaluationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.EvaluationInterval, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await drift.EvaluateAsync(alerts, gauges, stoppingToken).ConfigureAwait(false);
                    await ModelLoadAlerts.EvaluateAsync(service.Status, alerts, store, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SkillInference.Monitoring.Log.EvaluationFailed(logger, ex, "drift and latency");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
