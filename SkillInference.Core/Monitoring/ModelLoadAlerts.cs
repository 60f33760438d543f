using SkillInference.Inference;

namespace SkillInference.Monitoring;

/// <summary>
/// The <c>model_load</c> alert rule: a version that failed to load at the service's last attempt breaches (the previous
/// version keeps serving); an open alert whose version no longer fails is healthy, and clears after the usual run of
/// good evaluations.
/// </summary>
internal static class ModelLoadAlerts
{
    public static async Task EvaluateAsync(ServingStatus status, AlertManager alerts, IMonitoringStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(store);
        var failing = new HashSet<(string, string)>();
        foreach (var failure in status.Failures)
        {
            failing.Add((failure.Skill, failure.Version));
            await alerts.EvaluateAsync(
                new AlertEvaluation(AlertKinds.ModelLoad, failure.Skill, failure.Version, AlertOutcome.Breached, 1, 0,
                    $"version {failure.Version} of {failure.Skill} failed to load ({failure.Reason}); the previous version keeps serving"),
                cancellationToken).ConfigureAwait(false);
        }

        var open = await store.GetAlertsAsync(DateTimeOffset.MaxValue, 1_000, cancellationToken).ConfigureAwait(false);
        foreach (var alert in open.Where(a => a.Kind == AlertKinds.ModelLoad && a.State == AlertKinds.Open && !failing.Contains((a.Skill, a.ModelVersion))))
        {
            await alerts.EvaluateAsync(
                new AlertEvaluation(AlertKinds.ModelLoad, alert.Skill, alert.ModelVersion, AlertOutcome.Healthy, 0, 0, $"version {alert.ModelVersion} of {alert.Skill} no longer fails to load"),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
