using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SkillInference.Monitoring;

/// <summary>
/// The one alert model for every kind: applies an evaluation to the stored alert of its kind, skill and version. A
/// breach with no open alert opens one (at most one open per kind, skill and version, the database enforces it); while
/// open, a breach resets the run of good evaluations and a healthy evaluation extends it; the alert clears after
/// <see cref="MonitoringOptions.ClearAfterEvaluations"/> healthy evaluations in a row (no flapping); an evaluation
/// without enough data changes nothing. Each opening and clearing is a log event, a metric and a notice (webhook).
/// </summary>
internal sealed class AlertManager(
    IMonitoringStore store,
    IMonitoringNotifier notifier,
    MonitoringGauges gauges,
    IOptions<MonitoringOptions> options,
    TimeProvider time,
    ILogger<AlertManager>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Applies <paramref name="evaluation"/>; returns the alert as it stands after it (null when none is open and none opened).</summary>
    public async Task<MonitoringAlert?> EvaluateAsync(AlertEvaluation evaluation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var now = Batch.Relational.RelationalDialect.Stored(time.GetUtcNow());
        var open = await store.GetOpenAlertAsync(evaluation.Kind, evaluation.Skill, evaluation.ModelVersion, cancellationToken).ConfigureAwait(false);
        if (open is null)
        {
            if (evaluation.Outcome != AlertOutcome.Breached)
            {
                return null;
            }

            var opened = new MonitoringAlert(
                Guid.NewGuid(), evaluation.Kind, evaluation.Skill, evaluation.ModelVersion, AlertKinds.Open, evaluation.Value, evaluation.Threshold,
                evaluation.N, evaluation.CiLow, evaluation.CiHigh, evaluation.Summary, 0, now, now, null);
            if (!await store.TryOpenAlertAsync(opened, cancellationToken).ConfigureAwait(false))
            {
                // Another host opened it first: it notified.
                return await store.GetOpenAlertAsync(evaluation.Kind, evaluation.Skill, evaluation.ModelVersion, cancellationToken).ConfigureAwait(false);
            }

            Log.AlertOpened(_logger, opened.Kind, opened.Skill, opened.ModelVersion, opened.Summary);
            Announce(opened, "alert", now);
            return opened;
        }

        switch (evaluation.Outcome)
        {
            case AlertOutcome.NotJudged:
                return open;
            case AlertOutcome.Breached:
                var still = open with
                {
                    Value = evaluation.Value, Threshold = evaluation.Threshold, N = evaluation.N, CiLow = evaluation.CiLow, CiHigh = evaluation.CiHigh,
                    Summary = evaluation.Summary, GoodEvaluations = 0, UpdatedAt = now,
                };
                await store.UpdateAlertAsync(still, cancellationToken).ConfigureAwait(false);
                gauges.AlertChanged(still);
                return still;
            default:
                var good = open.GoodEvaluations + 1;
                var clears = good >= options.Value.ClearAfterEvaluations;
                var next = open with
                {
                    State = clears ? AlertKinds.Cleared : AlertKinds.Open,
                    Value = evaluation.Value, Threshold = evaluation.Threshold, N = evaluation.N, CiLow = evaluation.CiLow, CiHigh = evaluation.CiHigh,
                    Summary = clears ? evaluation.Summary : open.Summary, GoodEvaluations = good, UpdatedAt = now, ClearedAt = clears ? now : null,
                };
                await store.UpdateAlertAsync(next, cancellationToken).ConfigureAwait(false);
                if (clears)
                {
                    Log.AlertCleared(_logger, next.Kind, next.Skill, next.ModelVersion, good, next.Summary);
                    Announce(next, "ok", now);
                }
                else
                {
                    gauges.AlertChanged(next);
                }

                return next;
        }
    }

    private void Announce(MonitoringAlert alert, string state, DateTimeOffset now)
    {
        gauges.AlertChanged(alert);
        gauges.Transition(alert);
        var values = new Dictionary<string, double> { ["threshold"] = alert.Threshold };
        if (alert.Value is { } v)
        {
            values[alert.Kind switch { AlertKinds.Correlation => "r", AlertKinds.Drift => "psi", AlertKinds.Latency => "p99_seconds", _ => "value" }] = v;
        }

        if (alert.N is { } n)
        {
            values["n"] = n;
        }

        if (alert.CiLow is { } low && alert.CiHigh is { } high)
        {
            values["ci_low"] = low;
            values["ci_high"] = high;
        }

        notifier.Publish(new MonitoringNotice(alert.Kind, alert.Skill, alert.ModelVersion.Length == 0 ? null : alert.ModelVersion, state, alert.Summary, now, values));
    }

    /// <summary>A number as summaries show it.</summary>
    public static string Format(double? value, string format = "0.000") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
