using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Routing;

namespace SkillInference.Rollouts;

/// <summary>
/// This instance's counters for the current step of each skill's rollout: per side (stable, candidate) scored rows,
/// failures, cached answers, a score histogram and a latency histogram, and the router's assignments of identified
/// students. Lock-free (Interlocked) on the request path; nothing about a student is kept. A step's counters start
/// empty when the driver first sees the step (<see cref="Track"/>); assignments made under other weights (a host that
/// has not reloaded yet) are not counted.
/// </summary>
internal sealed class RolloutCounters : IInferenceObserver, IAssignmentObserver
{
    private readonly ConcurrentDictionary<string, StepCounters> _bySkill = new(StringComparer.Ordinal);
    private readonly Histogram<double>? _scores;

    public RolloutCounters(SkillInferenceMetrics? metrics = null)
    {
        _scores = metrics?.Meter.CreateHistogram<double>(
            "skillinference.score",
            unit: "1",
            description: "Scores (probability of the high-skill class) per skill, model version and variant: the distribution each side of an experiment serves.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] });
    }

    /// <summary>The counters of <paramref name="plan"/>'s current step, new and empty when the step changed.</summary>
    public StepCounters Track(string skill, RolloutPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _bySkill.AddOrUpdate(
            skill,
            static (_, p) => new StepCounters(p),
            static (_, existing, p) => existing.EpochKey == p.EpochKey ? existing : new StepCounters(p),
            plan);
    }

    /// <summary>Stops counting for a skill (its rollout ended).</summary>
    public void Stop(string skill) => _bySkill.TryRemove(skill, out _);

    /// <summary>The current counters of a skill, if a rollout is tracked.</summary>
    public StepCounters? Get(string skill) => _bySkill.GetValueOrDefault(skill);

    public void OnScored(in ScoredGroup group)
    {
        if (_scores is { Enabled: true } scores)
        {
            var tags = new TagList { { "skill", group.Model.Skill }, { "model_version", group.Model.Version }, { "variant", group.Variant } };
            foreach (var p in group.Probabilities)
            {
                if (!float.IsNaN(p))
                {
                    scores.Record(p, tags);
                }
            }
        }

        if (_bySkill.TryGetValue(group.Model.Skill, out var counters))
        {
            counters.Record(group);
        }
    }

    public void OnAssigned(SkillServing serving, LoadedModel model)
    {
        if (_bySkill.TryGetValue(serving.Skill, out var counters))
        {
            counters.Assign(serving, model);
        }
    }
}

/// <summary>One step's counters on this instance.</summary>
internal sealed class StepCounters
{
    private long _stableAssigned;
    private long _candidateAssigned;

    public StepCounters(RolloutPlan plan)
    {
        EpochKey = plan.EpochKey;
        ExperimentId = plan.Id;
        StableVersion = plan.Stable;
        CandidateVersion = plan.Version;
        CandidateShare = plan.Weight / 100;
    }

    public string EpochKey { get; }

    public string ExperimentId { get; }

    public string StableVersion { get; }

    public string CandidateVersion { get; }

    /// <summary>The candidate's share of identified traffic at this step.</summary>
    public double CandidateShare { get; }

    public ArmCounters Stable { get; } = new();

    public ArmCounters Candidate { get; } = new();

    public long StableAssigned => Interlocked.Read(ref _stableAssigned);

    public long CandidateAssigned => Interlocked.Read(ref _candidateAssigned);

    public void Assign(SkillServing serving, LoadedModel model)
    {
        // Only assignments made under this step's experiment and weight count (a host may serve the previous step's split until it reloads).
        if (serving.ExperimentId != ExperimentId || Math.Abs(serving.CandidateShare(CandidateVersion) - CandidateShare) > 1e-9)
        {
            return;
        }

        if (model.Version == CandidateVersion && !ReferenceEquals(model, serving.Deployed))
        {
            Interlocked.Increment(ref _candidateAssigned);
        }
        else if (ReferenceEquals(model, serving.Deployed) && model.Version == StableVersion)
        {
            Interlocked.Increment(ref _stableAssigned);
        }
    }

    public void Record(in ScoredGroup group)
    {
        var version = group.Model.Version;
        if (group.IsCandidate && version == CandidateVersion)
        {
            Candidate.Record(group);
        }
        else if (!group.IsCandidate && version == StableVersion)
        {
            Stable.Record(group);
        }
    }
}

/// <summary>One side's counters: rows, failures, cached answers, scores in ten bins of [0, 1], latency in log-spaced bins.</summary>
internal sealed class ArmCounters
{
    /// <summary>Score histogram bins (equal widths on [0, 1]).</summary>
    public const int ScoreBinCount = 10;

    // Latency bin i holds elapsed times up to 2^(i/2) microseconds: 1 µs to about 12 s in 48 bins.
    private const int LatencyBinCount = 48;

    private readonly long[] _scores = new long[ScoreBinCount];
    private readonly long[] _latency = new long[LatencyBinCount];
    private long _rows;
    private long _failures;
    private long _cached;
    private long _groups;

    public long Rows => Interlocked.Read(ref _rows);

    public long Failures => Interlocked.Read(ref _failures);

    public long Cached => Interlocked.Read(ref _cached);

    /// <summary>Scored groups (each one latency sample).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Rows scored without failure plus cached answers.</summary>
    public long Predictions => Rows - Failures + Cached;

    public long[] ScoreBins()
    {
        var copy = new long[ScoreBinCount];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _scores[i]);
        }

        return copy;
    }

    /// <summary>The smallest bin bound below which 99 % of the latency samples fall; null without samples.</summary>
    public TimeSpan? LatencyP99()
    {
        var counts = new long[LatencyBinCount];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _latency[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(total * 0.99);
        long cumulative = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            if (cumulative >= rank)
            {
                return TimeSpan.FromMicroseconds(Math.Pow(2, i / 2.0));
            }
        }

        return TimeSpan.FromMicroseconds(Math.Pow(2, (LatencyBinCount - 1) / 2.0));
    }

    public void Record(in ScoredGroup group)
    {
        var probabilities = group.Probabilities;
        Interlocked.Add(ref _rows, probabilities.Length);
        Interlocked.Add(ref _failures, group.Failures);
        Interlocked.Add(ref _cached, group.Cached);
        foreach (var p in probabilities)
        {
            if (!float.IsNaN(p))
            {
                Interlocked.Increment(ref _scores[Math.Clamp((int)(p * ScoreBinCount), 0, ScoreBinCount - 1)]);
            }
        }

        if (probabilities.Length > 0)
        {
            Interlocked.Increment(ref _groups);
            var micros = Math.Max(group.Elapsed.TotalMicroseconds, 1);
            var bin = Math.Clamp((int)Math.Ceiling(2 * Math.Log2(micros)), 0, LatencyBinCount - 1);
            Interlocked.Increment(ref _latency[bin]);
        }
    }

    /// <summary>Adds raw samples (tests and the store-published counters of other instances use this).</summary>
    internal void Add(long rows, long failures, ReadOnlySpan<long> scoreBins, TimeSpan latency, long groups)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _failures, failures);
        for (var i = 0; i < ScoreBinCount && i < scoreBins.Length; i++)
        {
            Interlocked.Add(ref _scores[i], scoreBins[i]);
        }

        var micros = Math.Max(latency.TotalMicroseconds, 1);
        Interlocked.Add(ref _latency[Math.Clamp((int)Math.Ceiling(2 * Math.Log2(micros)), 0, LatencyBinCount - 1)], groups);
        Interlocked.Add(ref _groups, groups);
    }
}
