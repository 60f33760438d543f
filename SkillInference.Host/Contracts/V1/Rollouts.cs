namespace SkillInference.Host.Contracts.V1;

/// <summary>Start a guarded progressive rollout of a published version.</summary>
public sealed record RolloutStartRequest
{
    /// <summary>The candidate version (published, not the deployed one).</summary>
    public string? Version { get; init; }

    /// <summary>The candidate's share of identified traffic at each step, in percent, increasing (default 10, 25, 50, 100).</summary>
    public IReadOnlyList<double>? Steps { get; init; }

    /// <summary>How long each step runs at least, as <c>hh:mm:ss</c> or <c>d.hh:mm:ss</c> (default <c>00:30:00</c>).</summary>
    public string? BakeTime { get; init; }

    /// <summary>Guard thresholds; each absent one keeps its default.</summary>
    public RolloutGuardsDto? Guards { get; init; }

    /// <summary>Why, for the audit.</summary>
    public string? Reason { get; init; }
}

/// <summary>A rollout's guard thresholds.</summary>
public sealed record RolloutGuardsDto
{
    /// <summary>The candidate's failed rows over scored rows must not exceed this (default 0.01).</summary>
    public double? MaxErrorRate { get; init; }

    /// <summary>The candidate's p99 latency per request, in ms (default 250).</summary>
    public double? MaxLatencyP99Ms { get; init; }

    /// <summary>PSI of the candidate's scores against stable's (default 0.2).</summary>
    public double? MaxScorePsi { get; init; }

    /// <summary>The sample-ratio-mismatch test fails below this p-value (default 0.001).</summary>
    public double? SrmAlpha { get; init; }

    /// <summary>The candidate's r against teacher ratings must not be below this (default 0.50).</summary>
    public double? MinCorrelation { get; init; }

    /// <summary>One-sided significance of "candidate's r below stable's" (default 0.05).</summary>
    public double? CorrelationAlpha { get; init; }

    /// <summary>Scored rows per side and step before the traffic guards may pass (default 500).</summary>
    public int? MinSamples { get; init; }
}

/// <summary>An operator action on the current rollout.</summary>
public sealed record RolloutActionRequest
{
    /// <summary>Why, for the audit.</summary>
    public string? Reason { get; init; }
}

/// <summary>A skill's current rollout and its past ones (most recent first).</summary>
public sealed record RolloutsResponse
{
    /// <summary>The skill.</summary>
    public required string Skill { get; init; }

    /// <summary>The rollout in progress (running, paused or waiting for traffic), or null.</summary>
    public RolloutDto? Current { get; init; }

    /// <summary>Ended rollouts, most recent first.</summary>
    public IReadOnlyList<RolloutDto> Past { get; init; } = [];
}

/// <summary>One rollout: plan, state, and every decision with its measured values.</summary>
public sealed record RolloutDto
{
    /// <summary>The rollout's id (also the experiment id assignment is hashed with).</summary>
    public required string Id { get; init; }

    /// <summary>The candidate version.</summary>
    public required string Version { get; init; }

    /// <summary>The stable version.</summary>
    public required string Stable { get; init; }

    /// <summary><c>running</c>, <c>paused</c>, <c>waiting_for_traffic</c>, <c>promoted</c>, <c>rolled_back</c> or <c>aborted</c>.</summary>
    public required string State { get; init; }

    /// <summary>The current step, 1-based.</summary>
    public int Step { get; init; }

    /// <summary>The candidate's current share of identified traffic, in percent.</summary>
    public double Weight { get; init; }

    /// <summary>Why it is in its state, with the measured values.</summary>
    public string? Reason { get; init; }

    /// <summary>The plan's steps, in percent.</summary>
    public IReadOnlyList<double> Steps { get; init; } = [];

    /// <summary>Each step's bake time.</summary>
    public required string BakeTime { get; init; }

    /// <summary>The guard thresholds.</summary>
    public required RolloutGuardsDto Guards { get; init; }

    /// <summary>When the current step started.</summary>
    public DateTimeOffset StepStartedAt { get; init; }

    /// <summary>Who started it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The instance driving it and until when.</summary>
    public RolloutLeaseDto? Lease { get; init; }

    /// <summary>Every decision, oldest first.</summary>
    public IReadOnlyList<RolloutDecisionDto> Decisions { get; init; } = [];

    /// <summary>The latest evaluation of the current step by the driving instance.</summary>
    public RolloutDecisionDto? LastEvaluation { get; init; }

    /// <summary>The current step's counters on the instance that answered (stable and candidate).</summary>
    public RolloutMetricsDto? Metrics { get; init; }
}

/// <summary>A rollout's lease.</summary>
/// <param name="Holder">The driving instance.</param>
/// <param name="ExpiresAt">When the lease expires unless renewed.</param>
public sealed record RolloutLeaseDto(string Holder, DateTimeOffset ExpiresAt);

/// <summary>One decision of a rollout.</summary>
public sealed record RolloutDecisionDto
{
    /// <summary>When.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary><c>start</c>, <c>step</c>, <c>wait</c>, <c>running</c>, <c>evaluate</c>, <c>pause</c>, <c>resume</c>, <c>promoted</c>, <c>rolled_back</c>, <c>aborted</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The step (1-based) it was made at.</summary>
    public int Step { get; init; }

    /// <summary>The candidate's weight then.</summary>
    public double Weight { get; init; }

    /// <summary>An operator or the driving instance.</summary>
    public required string Actor { get; init; }

    /// <summary>Why.</summary>
    public string? Reason { get; init; }

    /// <summary>Each guard's measurement.</summary>
    public IReadOnlyList<GuardResultDto> Guards { get; init; } = [];
}

/// <summary>One guard's measurement.</summary>
public sealed record GuardResultDto
{
    /// <summary><c>error_rate</c>, <c>latency_p99</c>, <c>score_psi</c>, <c>sample_ratio</c> or <c>correlation</c>.</summary>
    public required string Guard { get; init; }

    /// <summary><c>pass</c>, <c>fail</c>, <c>waiting</c> or <c>not_applicable</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The measured value.</summary>
    public double? Value { get; init; }

    /// <summary>Its threshold.</summary>
    public double? Threshold { get; init; }

    /// <summary>The sample measured.</summary>
    public long? N { get; init; }

    /// <summary>The sample the guard needs.</summary>
    public long? MinN { get; init; }

    /// <summary>One sentence.</summary>
    public required string Detail { get; init; }
}

/// <summary>The current step's counters on one instance.</summary>
public sealed record RolloutMetricsDto
{
    /// <summary>The instance that counted.</summary>
    public required string Instance { get; init; }

    /// <summary>The stable side.</summary>
    public required VariantMetricsDto Stable { get; init; }

    /// <summary>The candidate side.</summary>
    public required VariantMetricsDto Candidate { get; init; }
}

/// <summary>One side's counters in the current step.</summary>
public sealed record VariantMetricsDto
{
    /// <summary>The model version.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>Identified students the router assigned to it.</summary>
    public long Assigned { get; init; }

    /// <summary>Predictions (scored without failure, plus cached answers).</summary>
    public long Predictions { get; init; }

    /// <summary>Rows the model failed on.</summary>
    public long Errors { get; init; }

    /// <summary>p99 latency per request, ms.</summary>
    public double? LatencyP99Ms { get; init; }

    /// <summary>Scores in ten equal bins of [0, 1].</summary>
    public IReadOnlyList<long> ScoreHistogram { get; init; } = [];
}
