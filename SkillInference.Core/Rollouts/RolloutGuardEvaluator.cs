using System.Globalization;
using SkillInference.Monitoring;

namespace SkillInference.Rollouts;

/// <summary>
/// Evaluates a rollout step's guards on one instance's counters and the latest validation against teacher ratings.
/// Each guard answers pass, fail, waiting (not enough samples) or not applicable, with the measured value, the
/// threshold and the sample it was measured on.
/// </summary>
internal static class RolloutGuardEvaluator
{
    public const string ErrorRate = "error_rate";
    public const string LatencyP99 = "latency_p99";
    public const string ScorePsi = "score_psi";
    public const string SampleRatio = "sample_ratio";
    public const string Correlation = "correlation";

    /// <summary>The power the correlation guard's minimum n is computed for.</summary>
    public const double CorrelationPower = 0.8;

    /// <summary>The r assumed for stable when its own is unknown (or too close to the floor to size a test on).</summary>
    public const double AssumedStableCorrelation = 0.70;

    /// <summary>The latency guard needs this many scored groups (or the minimum sample, if smaller).</summary>
    public const int LatencySamples = 20;

    public static IReadOnlyList<GuardResult> Evaluate(RolloutPlan plan, StepCounters counters, IReadOnlyList<AgreementResult>? agreement)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(counters);
        var g = plan.Guards;
        var results = new List<GuardResult>(5);
        var candidate = counters.Candidate;
        var stable = counters.Stable;
        var min = g.MinSamples;

        var rows = candidate.Rows;
        if (rows < min)
        {
            results.Add(Waiting(ErrorRate, rows, min, $"waiting for traffic: the candidate scored {rows} of {min} rows"));
        }
        else
        {
            var rate = candidate.Failures / (double)rows;
            results.Add(Measured(ErrorRate, rate, g.MaxErrorRate, rows, min, rate <= g.MaxErrorRate, F($"error rate {rate:0.####} over {rows} rows (max {g.MaxErrorRate:0.####})")));
        }

        var latencyMin = Math.Min(min, LatencySamples);
        var groups = candidate.Groups;
        if (groups < latencyMin || candidate.LatencyP99() is not { } p99)
        {
            results.Add(Waiting(LatencyP99, groups, latencyMin, $"waiting for traffic: {groups} of {latencyMin} scored requests"));
        }
        else
        {
            var ms = p99.TotalMilliseconds;
            results.Add(Measured(LatencyP99, ms, g.MaxLatencyP99Ms, groups, latencyMin, ms <= g.MaxLatencyP99Ms, F($"p99 latency {ms:0.###} ms over {groups} requests (max {g.MaxLatencyP99Ms:0.###} ms)")));
        }

        var stableTakesTraffic = plan.Weight < 100;
        if (!stableTakesTraffic)
        {
            results.Add(NotApplicable(ScorePsi, "stable takes no identified traffic at 100 %: nothing to compare with"));
            results.Add(NotApplicable(SampleRatio, "one group at 100 %: no ratio to check"));
        }
        else
        {
            var stableScored = stable.ScoreBins().Sum();
            var candidateScored = candidate.ScoreBins().Sum();
            if (stableScored < min || candidateScored < min)
            {
                results.Add(Waiting(ScorePsi, Math.Min(stableScored, candidateScored), min, $"waiting for traffic: scores of stable {stableScored}, candidate {candidateScored}, need {min} each"));
            }
            else
            {
                var psi = Statistics.PopulationStabilityIndex(stable.ScoreBins(), candidate.ScoreBins());
                results.Add(Measured(ScorePsi, psi, g.MaxScorePsi, candidateScored, min, psi <= g.MaxScorePsi, F($"PSI of the candidate's scores against stable's {psi:0.####} (candidate {candidateScored}, stable {stableScored}; max {g.MaxScorePsi:0.###})")));
            }

            long s = counters.StableAssigned, c = counters.CandidateAssigned;
            if (s + c < min)
            {
                results.Add(Waiting(SampleRatio, s + c, min, $"waiting for traffic: {s + c} of {min} identified assignments"));
            }
            else
            {
                var p = Statistics.SampleRatioMismatchPValue([s, c], [100 - plan.Weight, plan.Weight]);
                results.Add(Measured(SampleRatio, p, g.SrmAlpha, s + c, min, p >= g.SrmAlpha, F($"sample ratio stable {s} : candidate {c} against weights {100 - plan.Weight:0.##} : {plan.Weight:0.##}, chi-squared p = {p:G3} (fails below {g.SrmAlpha:G3})")));
            }
        }

        results.Add(EvaluateCorrelation(plan, agreement));
        return results;
    }

    /// <summary>
    /// The labelled pairs the correlation guard needs: the n at which a one-sided Fisher-z test at
    /// <see cref="RolloutGuards.CorrelationAlpha"/> detects, with power <see cref="CorrelationPower"/>, a candidate whose
    /// true r is <see cref="RolloutGuards.MinCorrelation"/> against stable's r (or <see cref="AssumedStableCorrelation"/>):
    /// n = ((z₁₋α + z_power) / (atanh r_stable − atanh r_min))² + 3, and never below 30.
    /// </summary>
    public static int MinimumLabelledPairs(RolloutGuards guards, double? stableR)
    {
        ArgumentNullException.ThrowIfNull(guards);
        var reference = stableR is { } r && double.IsFinite(r) && r >= guards.MinCorrelation + 0.1 ? Math.Min(r, 0.99) : Math.Max(AssumedStableCorrelation, guards.MinCorrelation + 0.1);
        var effect = Math.Atanh(reference) - Math.Atanh(Math.Clamp(guards.MinCorrelation, -0.99, 0.99));
        var z = Statistics.NormalQuantile(1 - guards.CorrelationAlpha) + Statistics.NormalQuantile(CorrelationPower);
        return Math.Max(30, (int)Math.Ceiling((z / effect * (z / effect)) + 3));
    }

    private static GuardResult EvaluateCorrelation(RolloutPlan plan, IReadOnlyList<AgreementResult>? agreement)
    {
        var g = plan.Guards;
        var stable = agreement?.Where(a => a.ModelVersion == plan.Stable).OrderByDescending(a => a.N).FirstOrDefault();
        var candidate = agreement?.Where(a => a.ModelVersion == plan.Version).OrderByDescending(a => a.N).FirstOrDefault();
        var minN = MinimumLabelledPairs(g, stable?.PearsonR);
        if (agreement is null)
        {
            return Waiting(Correlation, 0, minN, $"waiting for labels: no validation against teacher ratings is configured (n=0, need >= {minN})");
        }

        if (candidate?.PearsonR is not { } r || candidate.N < minN)
        {
            return Waiting(Correlation, candidate?.N ?? 0, minN, $"waiting for labels: n={candidate?.N ?? 0}, need >= {minN} (power {CorrelationPower:0.#} to detect r = {g.MinCorrelation:0.00} at alpha {g.CorrelationAlpha:0.###})");
        }

        var interval = candidate.CiLow is { } lo && candidate.CiHigh is { } hi ? F($", 95 % CI {lo:0.###} to {hi:0.###}") : "";
        if (r < g.MinCorrelation)
        {
            return Measured(Correlation, r, g.MinCorrelation, candidate.N, minN, false, F($"candidate r = {r:0.###} (n={candidate.N}{interval}) is below {g.MinCorrelation:0.00}"));
        }

        if (stable?.PearsonR is { } rs && stable.N >= minN)
        {
            var p = Statistics.CorrelationLowerPValue(r, candidate.N, rs, stable.N);
            if (double.IsFinite(p) && p < g.CorrelationAlpha)
            {
                return Measured(Correlation, r, g.MinCorrelation, candidate.N, minN, false, F($"candidate r = {r:0.###} (n={candidate.N}{interval}) is significantly below stable's {rs:0.###} (n={stable.N}), one-sided p = {p:G3}"));
            }

            return Measured(Correlation, r, g.MinCorrelation, candidate.N, minN, true, F($"candidate r = {r:0.###} (n={candidate.N}{interval}) against stable's {rs:0.###} (n={stable.N}), one-sided p = {p:G3}"));
        }

        return Measured(Correlation, r, g.MinCorrelation, candidate.N, minN, true, F($"candidate r = {r:0.###} (n={candidate.N}{interval}), at least {g.MinCorrelation:0.00}; stable has too few labels to compare"));
    }

    private static GuardResult Waiting(string guard, long n, long minN, string detail) =>
        new() { Guard = guard, Status = GuardStatus.Waiting, N = n, MinN = minN, Detail = detail };

    private static GuardResult NotApplicable(string guard, string detail) =>
        new() { Guard = guard, Status = GuardStatus.NotApplicable, Detail = detail };

    private static GuardResult Measured(string guard, double value, double threshold, long n, long minN, bool pass, string detail) =>
        new() { Guard = guard, Status = pass ? GuardStatus.Pass : GuardStatus.Fail, Value = Math.Round(value, 6), Threshold = threshold, N = n, MinN = minN, Detail = detail };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
