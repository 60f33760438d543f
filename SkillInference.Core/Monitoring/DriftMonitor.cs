using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SkillInference.Monitoring;

/// <summary>
/// The pipeline observer behind online drift and latency: counts every scored group of every model into that model's
/// <see cref="DriftCounters"/> (created once per skill and version), and reports the window's PSI, Jensen–Shannon and
/// latency percentiles. <see cref="EvaluateAsync"/> applies the drift and latency alert rules.
/// </summary>
internal sealed class DriftMonitor(IOptions<MonitoringOptions> options, TimeProvider time) : IInferenceObserver
{
    private readonly ConcurrentDictionary<(string Skill, string Version), DriftCounters> _counters = new();

    public void OnScored(in ScoredGroup group)
    {
        var model = group.Model;
        if (!_counters.TryGetValue((model.Skill, model.Version), out var counters))
        {
            var o = options.Value;
            counters = _counters.GetOrAdd((model.Skill, model.Version), _ => new DriftCounters(model, o.DriftWindow, o.DriftBucket));
        }

        counters.Add(group, time.GetUtcNow());
    }

    /// <summary>Every model's drift over the window, by skill and version.</summary>
    public IReadOnlyList<DriftSnapshot> Snapshot()
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        return [.. _counters.Values.Select(c => c.Snapshot(now, o)).OrderBy(s => s.Skill, StringComparer.Ordinal).ThenBy(s => s.ModelVersion, StringComparer.Ordinal)];
    }

    /// <summary>Applies the drift rule (the highest PSI ≥ <see cref="MonitoringOptions.PsiAlert"/>, judged above the minimum sample) and the latency rule (p99 over the budget) to every model.</summary>
    public async Task<IReadOnlyList<DriftSnapshot>> EvaluateAsync(AlertManager alerts, MonitoringGauges gauges, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(gauges);
        var o = options.Value;
        var snapshots = Snapshot();
        var gauge = new List<(string, string, string, double)>();
        foreach (var s in snapshots)
        {
            if (s.ScorePsi is { } sp)
            {
                gauge.Add((s.Skill, s.ModelVersion, "score", sp));
            }

            if (s.Features.Count > 0)
            {
                gauge.Add((s.Skill, s.ModelVersion, "feature_max", s.Features[0].Psi));
            }

            var psi = s.MaxPsi;
            var driftOutcome = s.State == ValidationStates.InsufficientData || psi is null ? AlertOutcome.NotJudged : psi >= o.PsiAlert ? AlertOutcome.Breached : AlertOutcome.Healthy;
            var top = s.Features.Count > 0 ? $"; highest feature {s.Features[0].Name} {AlertManager.Format(s.Features[0].Psi)}" : "";
            await alerts.EvaluateAsync(
                new AlertEvaluation(
                    AlertKinds.Drift, s.Skill, s.ModelVersion, driftOutcome, psi, o.PsiAlert,
                    $"PSI {AlertManager.Format(psi)} (score {AlertManager.Format(s.ScorePsi)}{top}) over n = {s.N} in the last {o.DriftWindow.TotalHours:0.#} h; alert at {AlertManager.Format(o.PsiAlert, "0.00")}",
                    (int)Math.Min(int.MaxValue, s.N)),
                cancellationToken).ConfigureAwait(false);

            var budget = o.LatencyP99Budget.TotalSeconds;
            var latencyOutcome = s.Requests < o.LatencyMinimumSample || s.LatencyP99 is null ? AlertOutcome.NotJudged : s.LatencyP99 > budget ? AlertOutcome.Breached : AlertOutcome.Healthy;
            await alerts.EvaluateAsync(
                new AlertEvaluation(
                    AlertKinds.Latency, s.Skill, s.ModelVersion, latencyOutcome, s.LatencyP99, budget,
                    $"p99 {AlertManager.Format(s.LatencyP99 * 1000, "0.###")} ms over {s.Requests} requests; budget {AlertManager.Format(budget * 1000, "0.###")} ms",
                    (int)Math.Min(int.MaxValue, s.Requests)),
                cancellationToken).ConfigureAwait(false);
        }

        gauges.SetDrift(gauge);
        return snapshots;
    }
}
