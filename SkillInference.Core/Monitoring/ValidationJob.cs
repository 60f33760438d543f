using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SkillInference.Monitoring;

/// <summary>
/// Validation against teacher ratings: the database pairs each rating with the assessment of the same student and
/// skill closest in time (per model version and variant, within <see cref="MonitoringOptions.MatchWindow"/>); per skill,
/// version and variant this computes Pearson r, n, the 95 % Fisher-z interval, Spearman ρ, coverage and the median
/// label delay, applies the correlation rule (r below <see cref="MonitoringOptions.CorrelationThreshold"/> with n at
/// least <see cref="MonitoringOptions.MinimumPairs"/>), and appends the results to the time series.
/// </summary>
internal sealed class ValidationJob(
    IMonitoringStore store,
    AlertManager alerts,
    MonitoringGauges gauges,
    IOptions<MonitoringOptions> options,
    TimeProvider time,
    ILogger<ValidationJob>? logger = null) : IAgreementSource
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<ValidationRun> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var o = options.Value;
        var now = Batch.Relational.RelationalDialect.Stored(time.GetUtcNow());
        var groups = await store.ReadRatedPairsAsync(o.MatchWindow, cancellationToken).ConfigureAwait(false);
        var computed = groups.Select(g => Compute(g, o, now)).ToList();

        // The alert is per skill and version: judged on the worst variant with enough pairs.
        var touched = new List<MonitoringAlert>();
        var openKeys = new HashSet<(string, string)>();
        foreach (var version in computed.GroupBy(r => (r.Skill, r.ModelVersion)))
        {
            var judged = version.Where(r => r.State != ValidationStates.InsufficientData).ToList();
            var worst = judged.MinBy(r => r.PearsonR!.Value);
            var evaluation = worst is null
                ? new AlertEvaluation(AlertKinds.Correlation, version.Key.Skill, version.Key.ModelVersion, AlertOutcome.NotJudged, null, o.CorrelationThreshold, "", version.Max(r => r.N))
                : new AlertEvaluation(
                    AlertKinds.Correlation,
                    version.Key.Skill,
                    version.Key.ModelVersion,
                    worst.PearsonR < o.CorrelationThreshold ? AlertOutcome.Breached : AlertOutcome.Healthy,
                    worst.PearsonR,
                    o.CorrelationThreshold,
                    $"r = {AlertManager.Format(worst.PearsonR)} (95 % CI {AlertManager.Format(worst.CiLow)} to {AlertManager.Format(worst.CiHigh)}, n = {worst.N}) of {version.Key.Skill} {version.Key.ModelVersion} ({worst.Variant}) against teacher ratings; threshold {AlertManager.Format(o.CorrelationThreshold, "0.00")}",
                    worst.N,
                    worst.CiLow,
                    worst.CiHigh);
            var alert = await alerts.EvaluateAsync(evaluation, cancellationToken).ConfigureAwait(false);
            if (alert is not null)
            {
                touched.Add(alert);
                if (alert.State == AlertKinds.Open)
                {
                    openKeys.Add(version.Key);
                }
            }
        }

        var results = computed
            .Select(r => r.State == ValidationStates.Ok && openKeys.Contains((r.Skill, r.ModelVersion)) ? r with { State = ValidationStates.Alert } : r)
            .ToList();
        await store.SaveValidationAsync(results, cancellationToken).ConfigureAwait(false);
        gauges.SetValidation(results);
        var pairs = results.Sum(r => r.N);
        var inAlert = results.Count(r => r.State == ValidationStates.Alert);
        var insufficient = results.Count(r => r.State == ValidationStates.InsufficientData);
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.ValidationCompleted(_logger, results.Count, pairs, inAlert, insufficient, elapsedMs);
        return new ValidationRun(now, results, touched);
    }

    /// <summary>The statistics of one group, judged: insufficient data below the minimum n or without a defined r.</summary>
    internal static ValidationResult Compute(RatedGroup group, MonitoringOptions options, DateTimeOffset evaluatedAt)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(options);
        var n = group.Scores.Length;
        var r = Finite(Statistics.Pearson(group.Scores, group.Ratings));
        var (low, high) = r is { } value ? Statistics.FisherInterval(value, n) : (double.NaN, double.NaN);
        var spearman = n >= 2 ? Finite(Statistics.Spearman(group.Scores, group.Ratings)) : null;
        var state = n < options.MinimumPairs || r is null ? ValidationStates.InsufficientData : ValidationStates.Ok;
        return new ValidationResult(
            group.Skill,
            group.ModelVersion,
            group.Variant,
            n,
            r,
            Finite(low),
            Finite(high),
            spearman,
            group.AssessedStudents,
            group.AssessedStudents == 0 ? null : (double)n / group.AssessedStudents,
            Median(group.DelaySeconds) is { } median ? TimeSpan.FromSeconds(median) : null,
            state,
            options.CorrelationThreshold,
            options.MinimumPairs,
            evaluatedAt);
    }

    public async ValueTask<IReadOnlyList<AgreementResult>> GetLatestAsync(string skill, CancellationToken cancellationToken = default)
    {
        var latest = await store.GetLatestValidationAsync(skill, cancellationToken).ConfigureAwait(false);
        return [.. latest.Select(r => r.ToAgreement())];
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static double? Median(double[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
